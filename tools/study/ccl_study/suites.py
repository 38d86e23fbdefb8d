"""The suites of the comparison: its rows, each a shipped config with overrides."""
import os.path as osp
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from mmseg_ccl.models.decode_heads.cross_cooperative_aspp_head import FUSIONS
from mmseg_ccl.structures import OUTPUTS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


@dataclass(frozen=True)
class Row:
    """One line of the table: a config trained as it is (with ``overrides``);
    ``config=None`` is the post-hoc ensemble of the suite's two singles."""
    label: str
    config: Optional[str]
    overrides: Tuple[str, ...] = ()
    outputs: Tuple[str, ...] = OUTPUTS


@dataclass(frozen=True)
class Suite:
    rows: Dict[str, Row]
    paper_rows: Tuple[str, ...]
    ensemble_config: str  # scores the post-hoc ensemble of the two singles
    iters: Optional[int]  # None: the configs' own schedule
    crop: Tuple[int, int]  # (h, w) at which the parameters and FLOPs are counted
    backbones: Tuple[str, str] = ('top backbone', 'bottom backbone')
    dataset: str = 'synthetic shapes'  # as the model-zoo metafile names it
    curve_rows: Tuple[str, ...] = ()  # rows in the curve plot (all if empty)
    per_class_rows: Tuple[str, ...] = ('posthoc', 'ensemble', 'ccl')  # rows in the README's per-class table
    # Deciding differences (docs/method.md): jointly trained two-network rows against this row, paired over
    # shared seeds (Holm-corrected); the suite's CCL against these rows, Welch.
    paired_reference: str = 'ensemble'
    welch_rows: Tuple[str, ...] = ('single_top', 'single_bottom', 'posthoc')
    # The Holm family: the rows the decision rules name (None: every paired row). Other paired rows are
    # listed at 95 %, outside it, so that later rows leave decided levels as they were. A file of another
    # setting keeps every paired row in the family it was decided with.
    holm_rows: Optional[Tuple[str, ...]] = None
    # Comparisons the documents describe beyond the deciding ones, each (row a, row b, measure): a measure is
    # an output's mIoU ('top', 'bottom', 'mean'), 'only_one' (labelled val pixels right for only one network,
    # %) or 'oracle' (the oracle's mIoU). Listed with their intervals under the deciding differences and
    # decided by Holm's test as a family of their own; no rule fixed before the runs names them.
    described: Tuple[Tuple[str, str, str], ...] = ()
    # The datasets whose data_root --data sets (VOC's training set is a ConcatDataset of two).
    datasets: Tuple[str, ...] = ('train_dataloader.dataset', 'val_dataloader.dataset', 'test_dataloader.dataset')


def _cooperation_rows(ccl: str, points: str, fusion: str, shipped: Optional[Dict[str, str]] = None) -> Dict[str, Row]:
    """The rows that differ from full CCL (``ccl``, fusing with ``fusion``) by one override, whatever
    the suite: ``ccl_<fusion>`` for each other fusion. ``shipped`` maps the rows a suite ships as
    configs of their own to those configs, which run as they are."""
    no_connection = f'model.decode_head.cooperation_points={points}'
    rows = {
        'fscn': Row('one-way cooperation (FSCN), top -> bottom', ccl,
                    ('model.decode_head.direction=top_to_bottom', )),
        'ccl_noconn': Row('CCL without Connection 1 and 2', ccl, (no_connection, )),
        'ccl_conn1': Row('CCL with Connection 1', ccl,
                         ('model.decode_head.cooperation_points=[backbone,aspp,decoder]', )),
        'ccl_conn2': Row('CCL with Connection 2', ccl,
                         ('model.decode_head.cooperation_points=[aspp,aspp_out,decoder]', )),
        'ccl': Row(f'CCL, full ({fusion} fusion)', ccl),
        **{f'ccl_{other}': Row(f'CCL, full, {other} fusion', ccl, (f'model.decode_head.fusion={other}', ))
           for other in FUSIONS if other != fusion},
        'ccl_reduced_zero': Row('CCL, full, reduced fusion, zero-initialised expand', ccl,
                                ('model.decode_head.fusion._delete_=True',
                                 'model.decode_head.fusion.type=ReducedFusion',
                                 'model.decode_head.fusion.zero_init=True')),
        'ccl_detach': Row('CCL, full, received features detached', ccl, ('model.decode_head.detach=True', )),
        # Cooperations that keep the two networks' predictions apart (docs/method.md, decision rules).
        'ccl_ownclassifier': Row('CCL, no exchange before the classifiers', ccl,
                                 ('model.decode_head.exchange_before_classifier=False', )),
        'ccl_gated': Row('CCL, full, gated reduced fusion', ccl,
                         ('model.decode_head.fusion._delete_=True', 'model.decode_head.fusion.type=ReducedFusion',
                          'model.decode_head.fusion.gated=True')),
    }
    return {name: Row(row.label, shipped[name]) if name in (shipped or {}) else row for name, row in rows.items()}


DEMO_CCL = 'configs/ccl/demo_ccl.py'
CAMVID = 'configs/{}_1xb8-1k_camvid-180x240.py'
PAPER_ROWS = ('single_top', 'single_bottom', 'posthoc', 'ensemble', 'fscn', 'ccl_noconn', 'ccl_conn1', 'ccl_conn2',
              'ccl')
SUITES = {
    'demo': Suite(
        rows={
            'single_top': Row('single DeepLabV3+, top backbone', 'configs/ccl/demo_single_top.py', (), ('top', )),
            'single_bottom': Row('single DeepLabV3+, bottom backbone', 'configs/ccl/demo_single_bottom.py', (),
                                 ('bottom', )),
            'posthoc': Row('post-hoc ensemble of the two singles', None),
            'ensemble': Row('ensemble, trained jointly (no exchange)', 'configs/ccl/demo_ensemble.py'),
            **_cooperation_rows(DEMO_CCL, '[aspp,decoder]', 'concat'),
            'fscn_detach': Row('one-way cooperation (FSCN), top -> bottom, received features detached', DEMO_CCL,
                               ('model.decode_head.direction=top_to_bottom', 'model.decode_head.detach=True')),
        },
        paper_rows=PAPER_ROWS,
        ensemble_config='configs/ccl/demo_ensemble.py',
        iters=600,
        crop=(64, 64),
        # docs/experiments.md, "The paper's comparison at demo scale": what the exchange does to the weaker
        # (bottom) network against the joint ensemble, the fusions and detaching against concat, the bottom's
        # loss reaching the top in FSCN, and the connections against none.
        described=(*((row, 'ensemble', 'bottom') for row in ('fscn', 'ccl_noconn', 'ccl_conn1', 'ccl_conn2', 'ccl')),
                   ('ccl_add', 'ccl', 'mean'), ('ccl_reduced', 'ccl', 'mean'), ('ccl_detach', 'ccl', 'mean'),
                   ('fscn', 'fscn_detach', 'top'), ('fscn', 'fscn_detach', 'mean'),
                   ('ccl_conn1', 'ccl_noconn', 'mean'), ('ccl_conn2', 'ccl_noconn', 'mean'))),
    'camvid': Suite(
        rows={
            'single_top': Row('single DeepLabV3+, MobileNetV2', CAMVID.format('ccl/deeplabv3plus_mobilenetv2-os16'), (),
                              ('top', )),
            # The schedule's loss, tested: the same single model with plain cross-entropy.
            'single_top_plain_ce': Row('single DeepLabV3+, MobileNetV2, unweighted cross-entropy',
                                       CAMVID.format('ccl/deeplabv3plus_mobilenetv2-os16'),
                                       ('model.decode_head.loss_decode.type=CrossEntropyLoss',
                                        'model.decode_head.loss_decode.class_weight=None'), ('top', )),
            'single_bottom': Row('single DeepLabV3+, EfficientNet-Lite0',
                                 CAMVID.format('ccl/deeplabv3plus_effnetlite0-os16'), (), ('bottom', )),
            'posthoc': Row('post-hoc ensemble of the two singles', None),
            'ensemble': Row('ensemble, trained jointly (no exchange)',
                            CAMVID.format('ccl/ensemble_mobilenetv2-effnetlite0')),
            **_cooperation_rows(
                CAMVID.format('ccl/ccl_mobilenetv2-effnetlite0'), '[aspp,decoder]', 'reduced',
                shipped={name: CAMVID.format(f'ccl/{prefix}_mobilenetv2-effnetlite0')
                         for name, prefix in (('fscn', 'fscn'), ('ccl_noconn', 'ccl-noconn'),
                                              ('ccl_conn1', 'ccl-conn1'), ('ccl_conn2', 'ccl-conn2'),
                                              ('ccl_add', 'ccl-add'), ('ccl_concat', 'ccl-concat'))}),
            # mmseg's own heads on the top backbone (MobileNetV2), scored as its output.
            'fcn': Row('mmseg FCN, MobileNetV2-D8', CAMVID.format('mmseg_heads/fcn_mobilenetv2-d8'), (), ('top', )),
            'pspnet': Row('mmseg PSPNet, MobileNetV2-D8', CAMVID.format('mmseg_heads/pspnet_mobilenetv2-d8'), (),
                          ('top', )),
            'deeplabv3': Row('mmseg DeepLabV3, MobileNetV2-D8', CAMVID.format('mmseg_heads/deeplabv3_mobilenetv2-d8'),
                             (), ('top', )),
        },
        paper_rows=PAPER_ROWS,
        ensemble_config=CAMVID.format('ccl/ensemble_mobilenetv2-effnetlite0'),
        iters=None,
        crop=(180, 240),
        backbones=('MobileNetV2', 'EfficientNet-Lite0'),
        dataset='CamVid',
        curve_rows=('single_top', 'single_bottom', 'ensemble', 'ccl', 'ccl_add', 'ccl_concat', 'ccl_ownclassifier',
                    'ccl_gated'),
        per_class_rows=('posthoc', 'ensemble', 'fscn', 'ccl', 'ccl_add', 'ccl_concat', 'ccl_ownclassifier',
                        'ccl_gated'),
        holm_rows=('ccl', 'ccl_ownclassifier', 'ccl_gated'),
        # docs/method.md, "What the exchange does on CamVid": how the networks agree (pixels right for only
        # one of them, the oracle) with CCL's exchange, without it before the classifiers, and gated.
        described=(('ccl', 'ensemble', 'only_one'), ('ccl', 'posthoc', 'only_one'), ('ccl', 'ensemble', 'oracle'),
                   ('ccl', 'posthoc', 'oracle'), ('ccl_ownclassifier', 'ccl', 'only_one'),
                   ('ccl_ownclassifier', 'ensemble', 'only_one'), ('ccl_gated', 'ensemble', 'only_one'),
                   ('ccl_gated', 'ensemble', 'oracle'))),
}


def paper_suite(dataset: str, crop: Tuple[int, int], name: str, datasets: Tuple[str, ...]) -> Suite:
    """The paper's rows on VOC 2012 aug or Cityscapes with the shipped configs and their schedule
    (80k iterations; Xception-65 top, ResNet-101 bottom; FSCN with ResNet-101 twice, as the paper's)."""
    config = 'configs/ccl/{}_1xb6-80k_' + dataset + '.py'
    ccl = config.format('ccl_xception65-r101')
    shipped = {row: config.format(f'{row.replace("_", "-")}_xception65-r101')
               for row in ('ccl_noconn', 'ccl_conn1', 'ccl_conn2')}
    return Suite(
        rows={
            'single_top': Row('single DeepLabV3+, Xception-65', config.format('deeplabv3plus_xception65-os16'), (),
                              ('top', )),
            'single_bottom': Row('single DeepLabV3+, ResNet-101', config.format('deeplabv3plus_r101-os16'), (),
                                 ('bottom', )),
            'posthoc': Row('post-hoc ensemble of the two singles', None),
            'ensemble': Row('ensemble, trained jointly (no exchange)', config.format('ensemble_xception65-r101')),
            **_cooperation_rows(ccl, '[aspp,decoder]', 'reduced',
                                shipped=dict(shipped, fscn=config.format('fscn_r101-r101'))),
        },
        paper_rows=PAPER_ROWS,
        ensemble_config=config.format('ensemble_xception65-r101'),
        iters=None,
        crop=crop,
        backbones=('Xception-65', 'ResNet-101'),
        dataset=name,
        per_class_rows=('posthoc', 'ensemble', 'fscn', 'ccl'),
        datasets=datasets)


SUITES['voc'] = paper_suite('voc12aug-513x513', (513, 513), 'Pascal VOC 2012 + Aug',
                            ('train_dataloader.dataset.datasets.0', 'train_dataloader.dataset.datasets.1',
                             'val_dataloader.dataset', 'test_dataloader.dataset'))
SUITES['cityscapes'] = paper_suite('cityscapes-768x768', (768, 768), 'Cityscapes', Suite.datasets)
