"""A config named as the benchmark and analysis tools name them: a path, overrides after ``#``."""
import os

from mmengine.config import Config, DictAction


def load_config(spec: str, options: dict) -> Config:
    """The config of ``PATH[#KEY=VALUE...]``, with ``options`` (``--cfg-options``) and then the
    overrides after each ``#`` merged in. ``PATH`` may be ``<package>::<path>``: a config in that
    installed package's ``.mim/configs`` (``mmseg::deeplabv3plus/...py``).

    Raises:
        FileNotFoundError: naming the config file that does not exist.
        ValueError: naming an override that is not ``KEY=VALUE``.
    """
    name, *overrides = spec.split('#')
    if '::' in name:
        package, relative = name.split('::', 1)
        module = __import__(package)
        name = os.path.join(os.path.dirname(module.__file__), '.mim', 'configs', relative)
    if not os.path.isfile(name):
        raise FileNotFoundError(f'no such config: {name}')
    cfg = Config.fromfile(name)
    if options:
        cfg.merge_from_dict(options)
    for override in overrides:
        if '=' not in override:
            raise ValueError(f'override {override!r} of {name} is not KEY=VALUE')
        key, value = override.split('=', 1)
        cfg.merge_from_dict({key: DictAction._parse_iterable(value)})
    return cfg
