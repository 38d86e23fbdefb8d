"""Make mim find the configs, tools and model index of an editable install.

    python tools/misc/link_for_mim.py        # after pip install -e . (make install runs it)

mim (openmim 0.3.9) reads a package's configs, tools and model index from
``<location>/<package>/.mim/``, ``<location>`` being the folder that holds the
package's metadata. A wheel puts the package there. An editable install (PEP 660)
keeps its metadata in site-packages and its code in this checkout, so mim looks
in ``site-packages/mmseg_ccl``, which does not exist, and ``mim search``,
``mim train``, ``mim test`` and ``mim run`` fail. This tool links that path to the
checkout's ``mmseg_ccl/`` and makes ``mmseg_ccl/.mim`` (links to ``configs``,
``tools`` and ``model-index.yml``, as ``setup.py`` does for an editable install).
Imports are unchanged: both paths lead to the same files.

A real folder there (a non-editable install) is left as it is; a link to another
checkout is replaced. ``pip uninstall mmseg_ccl`` leaves the link; run this tool
with ``--remove`` first to take it away.
"""
import argparse
import os
import os.path as osp
import sys
import warnings

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PACKAGE = 'mmseg_ccl'


def metadata_location() -> str:
    """Where mim looks, run from any other folder: the folder of the installed distribution's metadata
    (pkg_resources, as mim). The checkout's own ``mmseg_ccl.egg-info`` is left out of the search: it is
    found only where a run starts in the checkout."""
    sys.path[:] = [p for p in sys.path if p not in ('', ROOT) and osp.abspath(p) != ROOT]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # pkg_resources' deprecation warning
        import pkg_resources
    return pkg_resources.get_distribution(PACKAGE).location


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--remove', action='store_true', help='remove the link (before pip uninstall)')
    args = parser.parse_args()
    target, link = osp.join(ROOT, PACKAGE), osp.join(metadata_location(), PACKAGE)
    sys.path.insert(0, ROOT)
    from setup import add_mim_extension

    if args.remove:
        if osp.islink(link):
            os.remove(link)
            print(f'removed {link}')
        return
    add_mim_extension('symlink')
    if osp.islink(link):
        if osp.realpath(link) == osp.realpath(target):
            print(f'{link} already links to {target}')
            return
        os.remove(link)  # a link to another checkout
    elif osp.exists(link):
        if osp.realpath(link) != osp.realpath(target):
            print(f'{link} is an installed copy of {PACKAGE}, not this checkout; mim reads that copy. '
                  'Left as it is.')
        else:  # the install's metadata lies in this checkout (an editable install that puts it on sys.path)
            print(f'mim reads this checkout: {osp.join(link, ".mim")}')
        return
    os.symlink(target, link)
    print(f'linked {link} -> {target} (what mim reads: {osp.join(link, ".mim")})')


if __name__ == '__main__':
    main()
