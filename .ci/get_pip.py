# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Offline stand-in for ``get-pip.py``, used by ``make sanity`` (see the Makefile).

ansible-test bootstraps pip into each sanity-test virtual environment by running
``~/.ansible/test/cache/get_pip_<version>.py``, which it otherwise downloads from
ci-files.testing.ansible.com, a host CI cannot reach. The Makefile installs this file
under that name, next to the pip wheel of the same version downloaded from PyPI.

Like get-pip.py, it takes pip's install arguments; ansible-test passes
``--disable-pip-version-check pip==<version> --no-setuptools --no-wheel``. Like
get-pip.py, it runs pip from the wheel itself (a wheel is an importable zip) to install
that wheel into the running interpreter, and installs neither setuptools nor wheel.
"""

from __future__ import annotations

import glob
import os
import sys

OWN_OPTIONS = ('--no-setuptools', '--no-wheel')


def main() -> None:
    """Install pip from the wheel lying next to this script, with the given pip options."""
    here = os.path.dirname(os.path.abspath(__file__))
    pip_args = [arg for arg in sys.argv[1:] if arg not in OWN_OPTIONS]
    wanted = [arg.split('==', 1)[1] for arg in pip_args if arg.startswith('pip==')]
    pattern = 'pip-%s-py3-none-any.whl' % (wanted[0] if wanted else '*')
    wheels = sorted(glob.glob(os.path.join(here, pattern)))

    if not wheels:
        sys.exit('%s: no %s in %s; `make sanity` downloads it from PyPI' % (__file__, pattern, here))

    sys.path.insert(0, wheels[-1])

    from pip._internal.cli.main import main as pip_main  # pylint: disable=import-outside-toplevel

    sys.exit(pip_main(['install', '--no-index', '--find-links', here] + pip_args))


if __name__ == '__main__':
    main()
