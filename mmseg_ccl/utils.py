"""Names shared by the models, the metric, the visualizer and the tools."""
BRANCHES = ('top', 'bottom')  # the two networks
OUTPUTS = (*BRANCHES, 'mean')  # what a two-network model predicts: each network's output and their average
