"""What a two-network model predicts: ``pred_sem_seg_<output>`` and ``seg_logits_<output>`` of its
``SegDataSample`` for each of :data:`OUTPUTS` (the segmentor writes them; the metric, the
visualizer, the export and the tools read them)."""
BRANCHES = ('top', 'bottom')  # the two networks
OUTPUTS = (*BRANCHES, 'mean')  # what a two-network model predicts: each network's output and their average
