"""The paper's comparison (``tools/analysis_tools/run_comparison.py``), by job: the suites of
rows (``suites``), training and scoring them (``runner``), the tables and curves made from the
results file (``report``), and the model-zoo README and metafile written from it (``model_zoo``)."""
