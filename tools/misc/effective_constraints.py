"""The constraints tools/install.sh applies: a tested set less what the environment keeps.

    python tools/misc/effective_constraints.py CONSTRAINTS OUT --tested-torch 2.13.0

Writes CONSTRAINTS to OUT without the lines of torch, torchvision and mmcv (kept as
installed) and, when the installed torch is not the tested one, without the lines
of that torch's own requirements (pip must leave them as that torch has them);
then pins the installed torch and torchvision. Names compare as pip compares them
(``typing_extensions`` is ``typing-extensions``).
"""
import argparse
import importlib.metadata as metadata
import re


def name(requirement: str) -> str:
    """A requirement's project name, normalised (PEP 503)."""
    return re.sub(r'[-_.]+', '-', re.split(r'[ ;<>=!~\[(@]', requirement.strip(), maxsplit=1)[0]).lower()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('constraints')
    parser.add_argument('out')
    parser.add_argument('--tested-torch', required=True, help='the torch version CONSTRAINTS was tested with')
    args = parser.parse_args()
    torch, torchvision = (metadata.version(p).split('+')[0] for p in ('torch', 'torchvision'))
    kept = {'torch', 'torchvision', 'mmcv'}
    if torch != args.tested_torch:
        kept |= {name(r) for r in metadata.requires('torch') or []}
    with open(args.constraints) as f:
        lines = [line for line in f if line.startswith('#') or not line.strip() or name(line) not in kept]
    with open(args.out, 'w') as f:
        f.writelines(lines + [f'torch=={torch}\n', f'torchvision=={torchvision}\n'])


if __name__ == '__main__':
    main()
