"""Everything the device prints, as the configuration guide prints it.

The machines say what happens; this module says how the VSG shows it.  Tests quote the
guide against these strings, so each one is written once, here.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

PROMPT = "vsg# "
CONFIG_PROMPT = "vsg(config)# "
STANDBY_PROMPT = "vsg(standby)# "
HOSTNAME = "n1000v"
CLOCK_START = "2011 Jan 18 04:21:56"  # the guide's switchover example starts here
SEPARATOR = "-----"

SWITCHOVER_REFUSED = "Failed to switchover (standby not ready to takeover in vdc 1)"
COPY_PROGRESS = "[#####] 100%"
INVALID_COMMAND = "% Invalid command at '^' marker."
# Our choices where the guide gives no text (docs/vsg.md, docs/limits.md):
STANDBY_REFUSED = "% Command not allowed on standby supervisor"
ATTACH_BANNER = ("Attaching to module {module} ...", "To exit type 'exit', to abort type '$.'")
ATTACH_SELF = "% Cannot attach to the local module"
ATTACH_ABSENT = "% Module {module} is not present"
NOT_ACTIVE = "% Command not allowed: this supervisor is not active"
AMBIGUOUS_COMMAND = "% Ambiguous command at '^' marker."  # NX-OS's, for a prefix of two
HELP_END = "<CR>"  # in the '?' list: the command may end here (NX-OS)

# (seconds after the switchover starts, syslog text) on the supervisor becoming active.
SWITCHOVER_LOG = (
    (0, "%SYSMGR-2-HASWITCHOVER_PRE_START:\nThis supervisor is becoming active "
        "(pre-start phase)."),
    (0, "%SYSMGR-2-HASWITCHOVER_START:\nThis supervisor is becoming active."),
    (1, "%SYSMGR-2-SWITCHOVER_OVER: Switchover completed."),
)
MODULE_REMOVED = (7, "%PLATFORM-2-MOD_REMOVE: Module {module} removed (Serial\nnumber )")
LOG_LINE = "{time} {host} %% VDC-1 %% {text}"
LOG_TIME = "%Y %b %d %H:%M:%S"


def log_lines(start, entries: tuple) -> tuple[list[str], object]:
    """The syslog lines of ``entries`` (``(seconds after start, text)`` each) from the
    clock ``start`` (a ``datetime``), and the clock after the last.

    >>> from datetime import datetime
    >>> lines, _ = log_lines(datetime(2011, 1, 1), ((1, "%SYSMGR-2-SWITCHOVER_OVER: x"),))
    >>> lines
    ['2011 Jan 01 00:00:01 n1000v %% VDC-1 %% %SYSMGR-2-SWITCHOVER_OVER: x']
    """
    from datetime import timedelta

    lines, clock = [], start
    for offset, text in entries:
        clock = start + timedelta(seconds=offset)
        lines.append(LOG_LINE.format(time=clock.strftime(LOG_TIME), host=HOSTNAME, text=text))
    return lines, clock

# Redundancy machine state -> (Redundancy state, Supervisor state, Internal state).
# "HA synchronization in progress" names the not-yet-stable standby, as NX-OS does;
# "Initializing" a VSG still negotiating at boot.  Both are our choices (docs/limits.md).
DISPLAY = {
    "off": ("Not present", None, None),
    "booting": ("Initializing", "Initializing", "Initializing"),
    "active_no_standby": ("Active", "Active", "Active with no standby"),
    "active_ha_standby": ("Active", "Active", "Active with HA standby"),
    "standby_syncing": ("Standby", "HA synchronization in progress",
                        "HA synchronization in progress"),
    "ha_standby": ("Standby", "HA standby", "HA standby"),
}
# Operational redundancy mode is HA only in these states (the guide: "None" when the
# pair is not synchronized).
HA_MODE_STATES = ("active_ha_standby", "ha_standby")

PROCESS_HEADER = "PID      State  PC          Start_cnt  TTY  Process"
PROCESS_ROW = "{pid:<9}{state:<7}{pc:<12}{count:<11}{tty:<5}{name}"

# The domain ID line of the configuration, shown with the VSG's HA pair ID (the console's
# ``show running-config``): "the same domain ID" of L546/L568 is the ID the pair pairs by.
DOMAIN_ID = "  domain id {number}"
DEFAULT_DOMAIN_ID = DOMAIN_ID.format(number=10)  # as stored; never shown as it is
# The running config of a new VSG in the lab: the lines the guide's example shows first,
# then an ordinary NX-OS default, 38 lines in all (the guide's diff reads "*** 1,38 ****").
DEFAULT_CONFIG = (
    "",
    "version 4.0(4)SV1(1)",
    "role feature-group name new",
    "role name testrole",
    "username admin password 5 $1$S7HvKc5G$aguYqHl0dPttBJAhEPwsy1 role network-admin",
    "telnet server enable",
    "ip domain-lookup",
    "ip host n1000v 10.78.1.0",
    "hostname n1000v",
    "snmp-server user admin network-admin auth md5 0xb64ad6879970f0e57600c443287a79 "
    "priv 0xb64ad6879970f0e57600c443287a79 localizedkey",
    "vrf context management",
    "  ip route 0.0.0.0/0 10.78.1.1",
    "vlan 1",
    "port-channel load-balance ethernet source-mac",
    "port-profile default max-ports 32",
    "vdc n1000v id 1",
    "  limit-resource vlan minimum 16 maximum 2049",
    "  limit-resource monitor-session minimum 0 maximum 2",
    "  limit-resource vrf minimum 16 maximum 8192",
    "  limit-resource port-channel minimum 0 maximum 768",
    "  limit-resource u4route-mem minimum 32 maximum 32",
    "  limit-resource u6route-mem minimum 16 maximum 16",
    "interface mgmt0",
    "  ip address 10.78.1.20/24",
    "interface control0",
    "line console",
    "boot kickstart bootflash:/nexus-1000v-kickstart-mz.4.0.4.SV1.1.bin sup-1",
    "boot system bootflash:/nexus-1000v-mz.4.0.4.SV1.1.bin sup-1",
    "boot kickstart bootflash:/nexus-1000v-kickstart-mz.4.0.4.SV1.1.bin sup-2",
    "boot system bootflash:/nexus-1000v-mz.4.0.4.SV1.1.bin sup-2",
    "svs-domain",
    DEFAULT_DOMAIN_ID,
    "  control vlan 1",
    "  packet vlan 1",
    "  svs mode L2",
    "vservice global type vsg",
    "  tcp state-checks invalid-ack",
    "logging console",
)
DIFF_HEADER = ("*** Startup-config", "--- Running-config", "*****")


@dataclass(frozen=True)
class Process:
    pid: str
    state: str
    pc: str
    tty: str
    name: str

    @property
    def running(self) -> bool:
        return self.state != "NR"


def processes() -> tuple[Process, ...]:
    """The guide's process table (without its Start_cnt column, which the lab counts)."""
    text = resources.files("hapair.specs.vsg").joinpath("processes.tsv").read_text()
    rows = [line.split("\t") for line in text.splitlines() if line and line[0] != "#"]
    return tuple(Process(pid, state, pc, tty, name) for pid, state, pc, _, tty, name in rows)


@dataclass(frozen=True)
class Status:
    """The fields of ``show system redundancy status`` for one console."""

    admin_role: str
    oper_role: str
    admin_mode: str
    oper_mode: str
    this_sup: str
    this: tuple  # (redundancy state, supervisor state, internal state)
    other_sup: str
    other: tuple  # the same, or ("Not present", None, None)

    caption = "show system redundancy status"  # the VSG's node view (``status_view``)

    @property
    def text(self) -> str:
        return self.render()

    def render(self) -> str:
        """The guide's layout (its standalone and not-ready examples, line for line)."""
        lines = [
            "Redundancy role", SEPARATOR,
            f"      administrative: {self.admin_role}",
            f"      operational: {self.oper_role}", "",
            "Redundancy mode", SEPARATOR,
            f"      administrative: {self.admin_mode}",
            f"      operational: {self.oper_mode}", "",
            f"This supervisor ({self.this_sup})", SEPARATOR,
            *_sup_lines(self.this), "",
            f"Other supervisor ({self.other_sup})", SEPARATOR,
            *_sup_lines(self.other), "",
        ]
        return "\n".join(lines)


def _sup_lines(fields: tuple) -> list[str]:
    redundancy, supervisor, internal = fields
    if supervisor is None:
        return [f"Redundancy state: {redundancy}"]
    return [f"      Redundancy state: {redundancy}", f"      Supervisor state: {supervisor}",
            f"      Internal state: {internal}"]


# The spec's condition under which a VSG shows its peer as "Other supervisor".
SEES_PEER = "visible and pairable"


def status_view(spec, state: tuple, node: int):
    """The VSG spec's node view (``"views": {"node": ...}``): ``show system redundancy
    status`` on module ``node``."""
    return status(spec.decode(state), node, sees_peer(spec, node)(state))


def sees_peer(spec, node: int):
    """``SEES_PEER`` for ``node``, compiled once per spec."""
    cache = spec.__dict__.setdefault("_sees_peer", {})
    if node not in cache:
        from hapair.model.compile import predicate
        from hapair.spec.lang import BOOL_T, typed
        cache[node] = predicate(typed(SEES_PEER, spec.resolver(node), "status", BOOL_T))
    return cache[node]


def status(values: dict, node: int, sees_peer: bool) -> Status:
    """The status that module ``node`` shows, from a decoded state of the pair;
    ``sees_peer`` is ``SEES_PEER`` evaluated for that node."""
    me, peer = f"n{node}.", f"n{3 - node}."
    state, peer_state = values[me + "state"], values[peer + "state"]
    return Status(
        admin_role=values[me + "admin_role"], oper_role=values[me + "role"],
        admin_mode="HA", oper_mode="HA" if state in HA_MODE_STATES else "None",
        this_sup=f"sup-{node}", this=DISPLAY[state],
        other_sup=f"sup-{3 - node}",
        other=DISPLAY[peer_state] if sees_peer else DISPLAY["off"],
    )


# A replacement VSG (the lab's ``lab replace``) comes with its own configuration: the
# default one with a management address of its own, so that it equals nothing the pair
# held before, as the spec's FRESH row assumes.  Our choice; the guide shows none.
_MGMT_ADDRESS = "  ip address 10.78.1.20/24"


def fresh_config(serial: int) -> tuple[str, ...]:
    """The configuration of the ``serial``-th replacement VSG (1, 2, ...)."""
    net, host = divmod(serial - 1, 200)
    address = f"  ip address 10.{78 + net // 250}.{1 + net % 250}.{21 + host}/24"
    return tuple(address if line == _MGMT_ADDRESS else line for line in DEFAULT_CONFIG)
