# --tta's views, as mmseg's: six scales, each unflipped and flipped. The unscaled,
# unflipped view comes first: CooperativeSegTTAModel keeps its label and metainfo.
# A dataset config's tta_pipeline puts its own loading and packing steps around them.
# flips: the unflipped and the flipped view alone (CamVid's and the demo's --tta).
flips = [dict(type='RandomFlip', prob=p, direction='horizontal') for p in (0., 1.)]
tta_views = [[dict(type='Resize', scale_factor=r, keep_ratio=True) for r in [1.0, 0.5, 0.75, 1.25, 1.5, 1.75]], flips]
