"""The CamVid study and the paper's comparison, as a package of their own.

By job: the suites of rows (``suites``), training and scoring them (``runner``), the interval
statistics (``intervals``), the tables and curves made from a results file (``report``), and the
model-zoo README and metafile written from it (``model_zoo``). The scripts beside this package
(``run_comparison.py``, ``update_model_zoo.py``, ``probe_backbones.py``, ``benchmark_fusion.py``,
``count_params.py``) import it; Python puts their folder, ``tools/study``, on ``sys.path``, and
pytest does the same through ``pythonpath`` in ``pytest.ini``. None of it ships in the wheel.
"""
