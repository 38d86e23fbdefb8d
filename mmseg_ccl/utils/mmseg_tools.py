"""Run mmseg's own command-line tools with mmseg-ccl registered."""
import os
import runpy
import sys

import mmseg


def run_mmseg_tool(relative_path: str) -> None:
    """Run ``<mmseg package>/.mim/tools/<relative_path>`` as ``__main__``.

    Users get exactly mmseg's arguments and behaviour; importing mmseg_ccl
    first registers our modules even for configs without ``custom_imports``.
    """
    import mmseg_ccl  # noqa: F401
    path = os.path.join(os.path.dirname(mmseg.__file__), '.mim', 'tools', relative_path)
    if not os.path.isfile(path):
        sys.exit(f'mmseg-ccl: mmseg\'s {relative_path} is not installed at {path}; '
                 'install mmsegmentation from PyPI (its wheel ships the tools)')
    runpy.run_path(path, run_name='__main__')
