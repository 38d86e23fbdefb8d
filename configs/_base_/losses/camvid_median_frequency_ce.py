# Cross-entropy weighted by median frequency balancing (Eigen & Fergus, ICCV 2015;
# SegNet's CamVid recipe), so that the thin classes (pole, sign, pedestrian,
# bicyclist) are learnt in a short schedule. The weights of SegNet's CamVid train
# split, as printed by
#   python tools/analysis_tools/class_weights.py configs/ccl/ccl_mobilenetv2-effnetlite0_1xb8-1k_camvid-180x240.py
class_weight = [0.2794, 0.2018, 4.7889, 0.1491, 1.0000, 0.4235, 3.8464, 1.9798, 0.7890, 6.3847, 8.8193]
loss_decode = dict(
    type='ClassWeightedCrossEntropyLoss', use_sigmoid=False, loss_weight=1.0, class_weight=class_weight,
    avg_non_ignore=True)
