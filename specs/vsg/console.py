"""The ``vsg#`` console: the configuration guide's commands over a simulated lab.

Interactive on a terminal; on any other input (or ``--script FILE``) it prints a
transcript, ``<prompt><line>`` then the output, as the guide's examples do, and ends with
the bare prompt.  Device commands print exactly what the guide prints (``specs/vsg/guide.py``);
``lab ...`` commands drive power, links and faults, and work in every mode.

    $ printf 'copy running-config startup-config\\n' | hapair console
    vsg# copy running-config startup-config
    [#####] 100%
    vsg#

As on NX-OS, a command word may be shortened to any prefix that no other word at that
point shares (``sh sys red st`` is ``show system redundancy status``); a prefix that two
words share gets ``% Ambiguous command at '^' marker.``, and ``?`` at the end of a line
lists what may come next (``sh ?``) or the words that a prefix may finish (``sh?``), with
``<CR>`` where the command may end.  Every command is in one table of trees (``EXEC``,
``CONFIG``, ``LAB``), which parsing, abbreviations and help all read.

Input that is not a terminal (``--script FILE`` or a pipe) is read the same way: lines
end at a newline (a form feed or a carriage return inside a line is whitespace, a
trailing carriage return is dropped), and a line that is not UTF-8 is one error line on
stderr and exit 2 (a script is checked whole before it runs).

Limits: only the guide's commands exist.
"""

from __future__ import annotations

import difflib
import re
import sys
from typing import Callable, Iterable, Iterator, TextIO

from hapair.spec import HapairError, Refused
from hapair.specs.vsg import guide
from hapair.specs.vsg.lab import Lab, RefinementError

STANDBY_STATES = ("standby_syncing", "ha_standby")
ACTIVE_STATES = ("active_no_standby", "active_ha_standby")
# What a console that is not on an active module still does.
SAFE = ("show_status", "show_running", "show_diff", "show_processes", "end", "exit")
HA_PAIR_IDS = range(1, 4096)  # our choice: the guide gives no range

_DO, _ARG = "", "<arg>"  # tree keys: the command ends here / an argument comes here


def _module(word: str) -> int | None:
    return int(word) if word in ("1", "2") else None


def _number(word: str) -> int | None:
    """An HA pair ID: ASCII digits (``str.isdigit`` would take '²' and '١'), in range."""
    if not re.fullmatch(r"[0-9]{1,4}", word):
        return None
    return int(word) if int(word) in HA_PAIR_IDS else None


def _word(word: str) -> str:
    return word


_SHOW = {"system": {"redundancy": {"status": {_DO: "show_status"}}},
         "running-config": {_DO: "show_running", "diff": {_DO: "show_diff"}},
         "processes": {_DO: "show_processes"}}
_COPY = {"running-config": {"startup-config": {_DO: "copy"}}}
_LEAVE = {"end": {_DO: "end"}, "exit": {_DO: "exit"}}
EXEC = {
    "show": _SHOW, "copy": _COPY, **_LEAVE,
    "system": {"redundancy": {"role": {r: {_DO: "role"} for r in
                                       ("standalone", "primary", "secondary")}},
               "switchover": {_DO: "switchover"}},
    "configure": {_DO: "configure", "terminal": {_DO: "configure"}},
    "reload": {_DO: "reload"},
    "attach": {"module": {_ARG: (_module, {_DO: "attach"})}},
}
CONFIG = {"show": _SHOW, "copy": _COPY, **_LEAVE,
          "ha-pair": {"id": {_ARG: (_number, {_DO: "ha_pair_id"})}}}
_TO = {_DO: "lab_message", "to": {_ARG: (_word, {_DO: "lab_message"})}}
_SENDER = {**_TO, "from": {_ARG: (_module, _TO)}}
LAB = {"lab": {
    "power": {"off": {_ARG: (_module, {_DO: "lab_power_off"})},
              "on": {_ARG: (_module, {_DO: "lab_power_on"})}},
    "link": {"down": {_DO: "lab_link_down"}, "up": {_DO: "lab_link_up"}},
    "host": {"fail": {_DO: "lab_host_fail"}},
    "switch": {"fail": {_DO: "lab_switch_fail"}, "restore": {_DO: "lab_switch_restore"}},
    "isolate": {_ARG: (_module, {_DO: "lab_isolate"})},
    "reconnect": {_ARG: (_module, {_DO: "lab_connect"})},
    "fail": {_ARG: (_module, {_ARG: (_word, {_DO: "lab_fail"})})},
    "console": {_ARG: (_module, {_DO: "lab_console"})},
    "install": {_ARG: (_module, {_DO: "lab_install", **{
        role: {_ARG: (_number, {_DO: "lab_install"})}
        for role in ("standalone", "primary", "secondary")}})},
    "flow": {_ARG: (_module, {_DO: "lab_flow"})},
    "update": {_ARG: (_module, {_DO: "lab_update"})},
    "checkpoint": {_ARG: (_module, {_DO: "lab_checkpoint"})},
    "message": {_ARG: (_module, {**_SENDER, "persistent": _SENDER, "logged": _SENDER})},
    "read": {_ARG: (_module, {_ARG: (_word, {_ARG: (_word, {
        _DO: "lab_read", "on": {_ARG: (_module, {_DO: "lab_read"})}})})})},
    "services": {_ARG: (_module, {_DO: "lab_services"})},
    "settle": {"off": {_DO: "lab_settle_off"}, "on": {_DO: "lab_settle_on"}},
    "step": {_DO: "lab_step"},
}}


ARG_HELP = {_module: "<1-2>", _number: f"<{HA_PAIR_IDS[0]}-{HA_PAIR_IDS[-1]}>",
            _word: "<process>"}  # how '?' shows an argument


class _Refusal(HapairError):
    """The device's own refusal line (already in its words), printed as it is."""


class _Syntax(Exception):
    """A line that the command tree does not accept; ``column`` is where it goes wrong."""

    def __init__(self, column: int):
        self.column = column


class _Ambiguous(_Syntax):
    """A prefix of more than one command word."""


def _keywords(node: dict, prefix: str = "") -> list[str]:
    return sorted(k for k in node if k not in (_DO, _ARG) and k.startswith(prefix.lower()))


def _step(node: dict, word: str, column: int) -> tuple[dict, object, bool]:
    """The tree below ``word``: ``(subtree, keyword or argument value, is_argument)``.
    A whole keyword wins, then a prefix of one keyword, then an argument."""
    if word.lower() in _keywords(node):
        return node[word.lower()], word.lower(), False
    matches = _keywords(node, word)
    if len(matches) == 1:
        return node[matches[0]], matches[0], False
    check, after = node.get(_ARG, (None, None))
    value = check(word) if check else None
    if value is not None:
        return after, value, True
    raise (_Ambiguous if matches else _Syntax)(column)


def _walk(tree: dict, spans: list) -> tuple[dict, list, list[str]]:
    node, args, words = tree, [], []
    for word, column in spans:
        node, value, is_arg = _step(node, word, column)
        words.append(word if is_arg else value)
        if is_arg:
            args.append(value)
    return node, args, words


def parse(tree: dict, line: str) -> tuple[str, list, list[str]]:
    """``(action, arguments, words)`` for a line (``words``: each keyword in full), or
    ``_Syntax`` (``_Ambiguous``) at the first bad word.

    >>> parse(EXEC, "sh sys red st")
    ('show_status', [], ['show', 'system', 'redundancy', 'status'])
    """
    node, args, words = _walk(tree, [(m.group(), m.start()) for m in re.finditer(r"\S+", line)])
    if _DO not in node:
        raise _Syntax(len(line.rstrip()) + 1)
    return node[_DO], args, words


def complete(tree: dict, line: str) -> list[str]:
    """What ``?`` at the end of ``line`` lists: the words (and argument) that may come
    next, or, right after a word, the keywords that word may finish.

    >>> complete(EXEC, "show running-config ?")
    ['diff', '<CR>']
    >>> complete(EXEC, "s?")
    ['show', 'system']
    """
    text = line.rstrip()[:-1]
    spans = [(m.group(), m.start()) for m in re.finditer(r"\S+", text)]
    prefix = ""
    if spans and not text[-1:].isspace():
        prefix = spans.pop()[0]
    node = _walk(tree, spans)[0]
    out = _keywords(node, prefix)
    if _ARG in node and not prefix:
        out.append(ARG_HELP[node[_ARG][0]])
    if _DO in node and not prefix:
        out.append(guide.HELP_END)
    if not out:
        raise _Syntax(len(text) - len(prefix))
    return out


def diff(startup: list[str], running: list[str]) -> list[str]:
    """``show running-config diff``: one context hunk over the whole file, or nothing."""
    if startup == running:
        return []
    size = max(len(startup), len(running))
    lines = list(difflib.context_diff(startup, running, lineterm="", n=size))
    return [*guide.DIFF_HEADER, *lines[3:]]  # difflib's own three header lines go


class Console:
    """One console session on the lab, attached to module 1 at the start."""

    def __init__(self, lab: Lab, out: TextIO):
        self.lab, self.out = lab, out
        self.home, self.attached = 1, None  # the console's module; ``attach module N``
        self.config = False
        self.done = False
        self.internal_errors = 0
        self._actions: dict[str, Callable[[list, list], None]] = {
            name[3:]: getattr(self, name) for name in dir(self) if name.startswith("_c_")}

    @property
    def module(self) -> int:
        return self.attached or self.home

    @property
    def state(self) -> str:
        return self.lab.pair[f"n{self.module}.state"]

    @property
    def prompt(self) -> str:
        if self.config:
            return guide.CONFIG_PROMPT
        return guide.STANDBY_PROMPT if self.state in STANDBY_STATES else guide.PROMPT

    def say(self, *lines: str) -> None:
        for line in lines:
            self.out.write(line + "\n")

    # -- one line -------------------------------------------------------------------

    def run(self, line: str) -> None:
        """Execute one input line and print its output."""
        if not line.strip():
            return
        prompt, logged = self.prompt, len(self.lab.log[self.module])
        watched = self.module
        try:
            self._dispatch(line)
        except _Syntax as bad:
            why = guide.AMBIGUOUS_COMMAND if isinstance(bad, _Ambiguous) else \
                guide.INVALID_COMMAND
            self.say(" " * (len(prompt) + bad.column) + "^", why)
        except _Refusal as exc:
            self.say(str(exc))
        except RefinementError as exc:
            self.internal_errors += 1
            self.say(f"% {exc}")
        except HapairError as exc:
            self.say(f"% {exc}")
        if watched == self.module:  # "logging console": new syslog lines show here
            self.say(*self.lab.log[self.module][logged:])
        if self.config and self.state not in ACTIVE_STATES:
            self.config = False

    def _dispatch(self, line: str) -> None:
        tree = {**(CONFIG if self.config else EXEC), **LAB}
        if line.rstrip().endswith("?"):  # help, in every mode and state
            self.say(*(f"  {word}" for word in complete(tree, line)))
            return
        if self.config and not _keywords(tree, line.split()[0]):
            action, args, words = "config_line", [line.strip()], []
        else:
            action, args, words = parse(tree, line)
        if not action.startswith("lab_"):
            self._gate(action)
        self._actions[action](args, words)

    def _gate(self, action: str) -> None:
        """Refuse what the console's module cannot do in its state (the guide: on the
        standby, configuration is not allowed and only some show commands work)."""
        if self.state == "off" and action not in ("end", "exit"):
            raise _Refusal(guide.ATTACH_ABSENT.format(module=self.module))
        if self.state in ACTIVE_STATES or action in SAFE:
            return
        message = guide.STANDBY_REFUSED if self.state in STANDBY_STATES else guide.NOT_ACTIVE
        raise _Refusal(message)

    # -- device commands ----------------------------------------------------------------

    def _c_show_status(self, args: list, words: list) -> None:
        self.say(self.lab.pair.status(self.module).render())

    def _c_show_running(self, args: list, words: list) -> None:
        self.say(*self._config(self.lab.running))

    def _c_show_diff(self, args: list, words: list) -> None:
        self.say(*diff(self._config(self.lab.startup), self._config(self.lab.running)))

    def _config(self, configs: dict) -> list[str]:
        """A configuration as shown: its ``domain id`` line is the VSG's HA pair ID (the
        guide's "same domain ID" of L546 and L568 is the ID the pair pairs by)."""
        line = guide.DOMAIN_ID.format(number=self.lab.pair_id[self.module])
        return [line if x == guide.DEFAULT_DOMAIN_ID else x for x in configs[self.module]]

    def _c_show_processes(self, args: list, words: list) -> None:
        counts = self.lab.start_cnt[self.module]
        self.say(guide.PROCESS_HEADER, guide.SEPARATOR, *(
            guide.PROCESS_ROW.format(pid=p.pid, state=p.state, pc=p.pc, count=count,
                                     tty=p.tty, name=p.name)
            for p, count in zip(self.lab.processes, counts)))

    def _c_role(self, args: list, words: list) -> None:
        self.lab.fire(f"role_{words[-1].lower()}", self.module)

    def _c_switchover(self, args: list, words: list) -> None:
        old = self.module
        new = 3 - old
        logged = len(self.lab.log[new])
        try:
            self.lab.fire("system_switchover", old)
        except Refused as exc:
            self.say(str(exc))
            return
        self.say(guide.SEPARATOR, *self.lab.log[new][logged:])
        self.home, self.attached = new, None  # the console follows the new active

    def _c_configure(self, args: list, words: list) -> None:
        self.config = True

    def _c_copy(self, args: list, words: list) -> None:
        self.lab.fire("copy_rs", self.module)
        self.say(guide.COPY_PROGRESS)

    def _c_reload(self, args: list, words: list) -> None:
        self.lab.fire("reload", self.module)

    def _c_attach(self, args: list, words: list) -> None:
        target = args[0]
        if target == self.module:
            raise _Refusal(guide.ATTACH_SELF)
        if self.lab.pair[f"n{target}.state"] == "off":
            raise _Refusal(guide.ATTACH_ABSENT.format(module=target))
        self.say(*(line.format(module=target) for line in guide.ATTACH_BANNER))
        self.attached = target

    def _c_end(self, args: list, words: list) -> None:
        self.config = False

    def _c_exit(self, args: list, words: list) -> None:
        if self.config:
            self.config = False
        elif self.attached:
            self.attached = None
        else:
            self.done = True

    def _c_ha_pair_id(self, args: list, words: list) -> None:
        self.lab.ha_pair_id(self.module, args[0])

    def _c_config_line(self, args: list, words: list) -> None:
        self.lab.edit(self.module, args[0])

    # -- lab commands ---------------------------------------------------------------------

    def _c_lab_power_off(self, args: list, words: list) -> None:
        self.lab.fire("power_off", args[0])

    def _c_lab_power_on(self, args: list, words: list) -> None:
        self.lab.fire("power_on", args[0])

    def _c_lab_link_down(self, args: list, words: list) -> None:
        self.lab.fire("link_down")

    def _c_lab_link_up(self, args: list, words: list) -> None:
        self.lab.fire("link_up")

    def _c_lab_host_fail(self, args: list, words: list) -> None:
        self.lab.fire("host_fail")

    def _c_lab_switch_fail(self, args: list, words: list) -> None:
        self.lab.fail_switch()

    def _c_lab_switch_restore(self, args: list, words: list) -> None:
        self.lab.restore_switch()

    def _c_lab_isolate(self, args: list, words: list) -> None:
        self.lab.isolate(args[0])

    def _c_lab_connect(self, args: list, words: list) -> None:
        self.lab.connect(args[0])

    def _c_lab_fail(self, args: list, words: list) -> None:
        self.lab.fail(args[0], args[1])

    def _c_lab_console(self, args: list, words: list) -> None:
        self.home, self.attached, self.config = args[0], None, False

    def _c_lab_install(self, args: list, words: list) -> None:
        if len(args) > 1:  # lab install N ROLE ID: the installer sets its role and ID
            self.lab.install(args[0], words[-2].lower(), args[1])
        else:
            self.lab.install(args[0])

    def _c_lab_flow(self, args: list, words: list) -> None:
        self.lab.fire("new_flow", args[0])

    def _c_lab_update(self, args: list, words: list) -> None:
        self.lab.fire("service_update", args[0])
        self.lab.fire("stateless_update", args[0])

    def _c_lab_checkpoint(self, args: list, words: list) -> None:
        self.lab.fire("pss_checkpoint", args[0])

    def _c_lab_message(self, args: list, words: list) -> None:
        kind = "logged" if "logged" in words[3:] else "persistent"
        sender = next((a for a in args[1:] if isinstance(a, int)), None)
        to = args[-1] if "to" in words[3:] else None
        self.lab.message(args[0], kind, sender, to)

    def _c_lab_read(self, args: list, words: list) -> None:
        node, reader, owner = args[:3]
        self.say(self.lab.read_checkpoint(node, reader, owner, args[3] if len(args) > 3
                                          else node))

    def _c_lab_services(self, args: list, words: list) -> None:
        self.say(*self.lab.services_table(args[0]))

    def _c_lab_settle_off(self, args: list, words: list) -> None:
        self.lab.settling = False

    def _c_lab_settle_on(self, args: list, words: list) -> None:
        self.lab.settling = True
        self.lab.settle()

    def _c_lab_step(self, args: list, words: list) -> None:
        step = self.lab.step()
        self.say(f"lab: module {step.node} {step.trigger}" if step else
                 "lab: nothing to do")

    # -- sessions ---------------------------------------------------------------------

    def transcript(self, lines: Iterable[str]) -> int:
        """Run ``lines`` and print ``<prompt><line>`` and the output of each."""
        for line in lines:
            self.out.write(self.prompt + line + "\n")
            self.run(line)
            if self.done:
                return self.exit_code
        self.say(self.prompt.rstrip())
        return self.exit_code

    def interactive(self, stdin: TextIO) -> int:
        """Prompt, read, run, until ``exit`` or end of input (Ctrl-D)."""
        while not self.done:
            self.out.write(self.prompt)
            self.out.flush()
            try:
                line = stdin.readline()
            except KeyboardInterrupt:  # Ctrl-C drops the line, as on the device
                self.out.write("\n")
                continue
            except UnicodeDecodeError:  # typed bytes that are not UTF-8: drop the line
                self.say(guide.INVALID_COMMAND)
                continue
            if not line:
                self.out.write("\n")
                break
            self.run(line.rstrip("\n"))
        return self.exit_code

    @property
    def exit_code(self) -> int:
        return 1 if self.internal_errors else 0


class InputError(HapairError):
    """Console input that is not text (a line that is not UTF-8)."""


def lines_of(stream, where: str) -> Iterator[str]:
    """The lines of a console input: bytes split at newlines and decoded as UTF-8 (a
    trailing carriage return dropped), or the lines of a text stream, checked the same;
    a line that is not UTF-8 raises ``InputError``."""
    binary = getattr(stream, "buffer", None)
    for number, raw in enumerate(binary if binary is not None else stream, 1):
        try:
            line = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            line.encode("utf-8")  # a text stream may hold escaped bytes (surrogates)
        except UnicodeError as exc:
            raise InputError(f"{where}: line {number} is not UTF-8 ({exc.reason})") from None
        yield line.removesuffix("\n").removesuffix("\r")


def _parser():
    from hapair.validate_args import Parser

    parser = Parser(prog="hapair console",
                    description="A vsg# console over a simulated HA pair.")
    parser.add_argument("--standalone", action="store_true",
                        help="one VSG with role standalone (module 2 not installed)")
    parser.add_argument("--script", metavar="FILE",
                        help="run the commands in FILE and print a transcript")
    return parser


def main(argv: list[str] | None = None, stdin: TextIO | None = None,
         stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """``hapair console [--standalone] [--script FILE]``; returns the exit status."""
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    try:
        args = _parser().parse_args(argv)
        lines: Iterable[str] | None = None
        if args.script:
            lines = list(lines_of(_read_script(args.script), args.script))
        console = Console(Lab.standalone() if args.standalone else Lab(), stdout)
        if lines is None and stdin.isatty():
            return console.interactive(stdin)
        return console.transcript(lines if lines is not None else lines_of(stdin, "<stdin>"))
    except SystemExit as exc:  # --help (argparse has printed it)
        return exc.code if isinstance(exc.code, int) else 0
    except HapairError as exc:
        stdout.flush()
        from hapair.validate_args import one_line

        print(f"hapair console: {one_line(str(exc))}", file=stderr)
        return 2


def _read_script(path: str):
    import io
    import os
    import stat

    try:
        if stat.S_ISCHR(os.stat(path).st_mode) or stat.S_ISBLK(os.stat(path).st_mode):
            raise InputError(f"cannot read script {path}: a device, not a file")
        with open(path, "rb") as f:
            return io.BytesIO(f.read())
    except (OSError, ValueError) as exc:
        why = getattr(exc, "strerror", None) or str(exc)
        raise InputError(f"cannot read script {path}: {why}") from None


if __name__ == "__main__":
    sys.exit(main())
