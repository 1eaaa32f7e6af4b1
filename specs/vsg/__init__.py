"""The Cisco VSG HA pair, as the configuration guide describes it: its rows
(``spec.py``), the strings the device prints (``guide.py``), the process and HA-policy
tables, the system-control services, the ``vsg#`` console, the expected results and the
committed equivalent mutants.

>>> SPEC["name"]
'vsg'
"""

from hapair.specs.vsg.spec import SPEC

__all__ = ["SPEC"]
