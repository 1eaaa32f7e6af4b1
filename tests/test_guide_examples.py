"""Every example output of the configuration guide, reproduced by a console script.

Each ``GUIDE_*`` string is copied verbatim from the guide ("Configuring High
Availability"); each test runs the console on a lab set up as the example's text says
and compares.  Where the guide contradicts itself on layout, the comparison goes through
``normalised`` (one rule, documented there and in docs/vsg.md).
"""

from __future__ import annotations

import io
import re

from hapair.specs.vsg.console import main

# -- the guide's examples, verbatim ------------------------------------------------------

# Cisco VSG HA Pair Synchronization (this layout has no blank lines).
GUIDE_SYNCHRONIZED = """\
vsg# show system redundancy status
Redundancy role
-----
      administrative: primary
      operational: primary
Redundancy mode
-----
      administrative: HA
      operational: HA
This supervisor (sup-1)
-----
      Redundancy state: Active
      Supervisor state: Active
      Internal state: Active with HA standby
Other supervisor (sup-2)
-----
      Redundancy state: Standby
      Supervisor state: HA standby
      Internal state: HA standby
vsg#
"""

# Changing the Cisco VSG Role.
GUIDE_ROLE_STANDALONE = """\
vsg# system redundancy role standalone
vsg#
"""

GUIDE_STANDALONE_STATUS = """\
vsg# show system redundancy status
Redundancy role
-----
      administrative: standalone
      operational: standalone

Redundancy mode
-----
      administrative: HA
      operational: None

This supervisor (sup-1)
-----
      Redundancy state: Active
      Supervisor state: Active
      Internal state: Active with no standby

Other supervisor (sup-2)
-----
Redundancy state: Not present

vsg#
"""

GUIDE_COPY = """\
vsg# copy running-config startup-config
[#####] 100%
vsg#
"""

# Verifying that a Cisco VSG Pair is Ready for a Failover (not ready: two actives).
GUIDE_NOT_READY = """\
vsg# show system redundancy status
Redundancy role
-----
      administrative: primary
      operational: primary

Redundancy mode
-----
      administrative: HA
      operational: None

This supervisor (sup-1)
-----
      Redundancy state: Active
      Supervisor state: Active
      Internal state: Active with no standby

Other supervisor (sup-2)
-----
      Redundancy state: Active
      Supervisor state: Active
      Internal state: Active with no standby
"""

GUIDE_SWITCHOVER_REFUSED = """\
Failed to switchover (standby not ready to takeover in vdc 1)
"""

# Manually Switching the Active Cisco VSG to Standby.
GUIDE_SWITCHOVER = """\
vsg# system switchover
-----
2011 Jan 18 04:21:56 n1000v %% VDC-1 %% %SYSMGR-2-HASWITCHOVER_PRE_START:
This supervisor is becoming active (pre-start phase).
2011 Jan 18 04:21:56 n1000v %% VDC-1 %% %SYSMGR-2-HASWITCHOVER_START:
This supervisor is becoming active.
2011 Jan 18 04:21:57 n1000v %% VDC-1 %% %SYSMGR-2-SWITCHOVER_OVER: Switchover completed.
2011 Jan 18 04:22:03 n1000v %% VDC-1 %% %PLATFORM-2-MOD_REMOVE: Module 1 removed (Serial
number )
"""

GUIDE_DIFF = """\
vsg# show running-config diff
*** Startup-config
--- Running-config
*****
*** 1,38 ****
"""

# The same example's second code block: the configuration the diff goes on to list.
GUIDE_DIFF_LINES = """\

version 4.0(4)SV1(1)
role feature-group name new
role name testrole
username admin password 5 $1$S7HvKc5G$aguYqHl0dPttBJAhEPwsy1 role network-admin
telnet server enable
ip domain-lookup

"""

# Some of the guide's code blocks open with an empty line and close with a line of four
# spaces (artefacts of its conversion to text; the spaces are left out here, as the
# linter asks); ``trimmed`` takes both off.
GUIDE_CONFIG_COPY = """\

vsg# configure
vsg(config)# copy running-config startup-config
[#####] 100%

"""

# Assigning IDs to HA Pairs.
GUIDE_HA_PAIR_ID = """\

vsg# configure
vsg(config)# ha-pair id 10

"""

# Changing the Standalone Cisco VSG to a Primary Cisco VSG.
GUIDE_ROLE_PRIMARY = """\
vsg# system redundancy role primary
"""

GUIDE_STANDALONE_BEFORE_PRIMARY = """\
vsg# show system redundancy status
Redundancy role
-----
      administrative:  standalone
      operational:    standalone

Redundancy mode
-----
      administrative:  HA
      operational:    None

This supervisor (sup-1)
-----
      Redundancy state: Active
      Supervisor state: Active
      Internal state: Active with no standby

Other supervisor (sup-2)
-----
      Redundancy state: Not present
vsg#
"""

GUIDE_PRIMARY_COPY = """\
vsg# configure
vsg(config)# copy running-config startup-config
[#####] 100%
"""

# Verifying the Change to a Cisco VSG HA Pair: one example split over two code blocks.
GUIDE_CHANGED_TO_PAIR = """\
vsg# show system redundancy status
Redundancy role
-----
      administrative: primary
      operational: primary
Redundancy mode
-----
      administrative: HA
      operational: HA
This supervisor (sup-1)
-----
      Redundancy state: Active
"""

GUIDE_CHANGED_TO_PAIR_CONTINUED = """\

Supervisor state: Active
Internal state: Active with HA standby

Other supervisor (sup-2)
-----
Redundancy state: Standby
Supervisor state: HA standby
Internal state: HA standby

"""

# Verifying the HA Status (this layout has no indentation).
GUIDE_HA_STATUS = """\
vsg# show system redundancy status
Redundancy role
-----
administrative: primary
operational: primary
Redundancy mode
-----
administrative: HA
operational: HA
This supervisor (sup-1)
-----
Redundancy state: Active
Supervisor state: Active
Internal state: Active with HA standby
Other supervisor (sup-2)
-----
Redundancy state: Standby
Supervisor state: HA standby
Internal state: HA standby
"""

# show processes: the header and first eight rows, then the rest of the table in two
# more pieces with other spacing (the second with tabs).
GUIDE_PROCESSES = """\
vsg# show processes
PID      State  PC          Start_cnt  TTY  Process
-----
1        S      b7f8a468    1          -    init
2        S      0           1          -    ksoftirqd/0
3        S      0           1          -    desched/0
4        S      0           1          -    events/0
5        S      0           1          -    khelper
10       S      0           1          -    kthread
18       S      0           1          -    kblockd/0
35       S      0           1          -    khubd
"""

GUIDE_PROCESSES_CONTINUED = """\

188      S      0      1      -  pdflush
189      S      0      1      -  pdflush
190      S      0      1      -  kswapd0
191      S      0      1      -  aio/0
776      S      0      1      -  kseriod
823      S      0      1      -  kide/0
833      S      0      1      -  ata/0
837      S      0      1      -  scsi_eh_0
1175     S      0      1      -  kjournald
1180     S      0      1      -  kjournald
1740     S      0      1      -  kjournald
1747     S      0      1      -  kjournald
1979     S  b7f6c18e  1      -  portmap
1992     S      0      1      -  nfsd
1993     S      0      1      -  nfsd
1994     S      0      1      -  nfsd
1995     S      0      1      -  nfsd
1996     S      0      1      -  nfsd
1997     S      0      1      -  nfsd
1998     S      0      1      -  nfsd
1999     S      0      1      -  nfsd
2000     S      0      1      -  lockd
2001     S      0      1      -  rpciod
2006     S  b7f6e468  1      -  rpc.mountd
2012     S  b7f6e468  1      -  rpc.statd
2039     S  b7dd2468  1      -  sysmgr
2322     S      0      1      -  mping-thread
2323     S      0      1      -  mping-thread
2339     S      0      1      -  stun_kthread
2340     S      0      1      -  stun_arp_mts_kt
2341     S      0      1      -  stun_packets_re
2376     S      0      1      -  redun_kthread
2377     S      0      1      -  redun_timer_kth
2516     S      0      1      -  sf_rdn_kthread
2517     S  b7f37468  1      -  xinetd
2518     S  b7f6e468  1      -  tftpd
2519     S  b79561b6  1      -  syslogd
2520     S  b7ecc468  1      -  sdwrapd
2522     S  b7da3468  1      -  platform
2527     S      0      1      -  ls-notify-mts-t
2541     S  b7eabbe4  1      -  pfm_dummy
2549     S  b7f836be  1      -  klogd
2557     S  b7c09be4  1      -  vshd
2558     S  b7e4f468  1      -  stun
2559     S  b7b11f43  1      -  smm
2560     S  b7ea1468  1      -  session-mgr
2561     S  b7cd1468  1      -  psshelper
2562     S  b7f75468  1      -  lmgrd
2563     S  b7e6abe4  1      -  licmgr
2564     S  b7eb5468  1      -  fs-daemon
2565     S  b7e97468  1      -  feature-mgr
2566     S  b7e45468  1      -  confcheck
2567     S  b7ea9468  1      -  capability
2568     S  b7cd1468  1      -  psshelper_gsvc
2576     S  b7f75468  1      -  cisco
2583     S  b779f40d  1      -  clis
2586     S  b76e140d  1      -  port-profile
2588     S  b7d07468  1      -  xmlma
2589     S  b7e69497  1      -  vnm_pa_intf
2590     S  b7e6e468  1      -  vmm
2591     S  b7b9c468  1      -  vdc_mgr
2592     S  b7e73468  1      -  ttyd
2593     R  b7edb5f5  1      -  sysinfo
2594     S  b7d07468  1      -  sksd
2596     S  b7e82468  1      -  res_mgr
2597     S  b7e49468  1      -  plugin
2598     S  b7bb9f43  1      -  npacl
2599     S  b7e93468  1      -  mvsh
2600     S  b7e02468  1      -  module
2601     S  b792c40d  1      -  fwm
2602     S  b7e93468  1      -  evms
2603     S  b7e8d468  1      -  evmc
2604     S  b7ec4468  1      -  core-dmon

"""

GUIDE_PROCESSES_END = """\
2605	S	b7e11468	1	-	bootvar
2606	S	b769140d	1	-	ascii-cfg
2607	S	b7ce5be4	1	-	securityd
2608	S	b77de40d	1	-	cert_enroll
2609	S	b7ce2468	1	-	aaa
2611	S	b7b0bf43	1	-	l3vm
2612	S	b7afef43	1	-	u6rib
2613	S	b7afc43	1	-	urib
2615	S	b7e05468	1	-	ExceptionLog
2616	S	b7daa468	1	-	ifmgr
2617	S	b7ea5468	1	-	tcap
2621	S	b763340d	1	-	snmpd
2628	S	b7f02d39	1	-	PMon
2629	S	b7c00468	1	-	aclmgr
2646	S	b7b0ff43	1	-	adjmgr
2675	S	b7b0bf43	1	-	arp
2676	S	b793b896	1	-	icmpv6
2677	S	b79b2f43	1	-	netstack
2755	S	b77ac40d	1	-	radius
2756	S	b7f3ebe4	1	-	ip_dummy
2757	S	b7f3ebe4	1	-	ipv6_dummy
2758	S	b78e540d	1	-	ntp
2759	S	b7f3ebe4	1	-	pktmgr_dummy
2760	S	b7f3ebe4	1	-	tcpudp_dummy
2761	S	b784640d	1	-	cdp
2762	S	b7b6440d	1	-	dcos-xinetd
2765	S	b7b8f40d	1	-	ntpd
2882	S	b7dde468	1	-	vsim
2883	S	b799340d	1	-	ufdm
2884	S	b798640d	1	-	sal
2885	S	b795940d	1	-	pltfm_config
2886	S	b787640d	1	-	monitor
2887	S	b7d71468	1	-	ipqosmgr
2888	S	b7a4827b	1	-	igmp
2889	S	b7a6640d	1	-	eth-port-sec
2890	S	b7b7e468	1	-	copp
2891	S	b7ae940d	1	-	eth_port_channel
2892	S	b7b0a468	1	-	vlan_mgr
2895	S	b769540d	1	-	ethpm
2935	S	b7d3a468	1	-	msh
2938	S	b590240d	1	-	vms
2940	S	b7e8d468	1	-	vsn_service_mgr
2941	S	b7cc0468	1	-	vim
2942	S	b7d57468	1	-	vem_mgr
2943	S	b7d25497	1	-	policy_engine
2944	S	b7e6a497	1	-	inspect
2945	S	b7d33468	1	-	aclcomp
2946	S	b7d1c468	1	-	sf_nf_srv
2952	S	b7f1deee	1	-	thttpd.sh
2955	S	b787040d	1	-	dcos-thttpd
3001	S	b7f8336be	1	1	getty
3003	S	b7f806be	1	S0	getty
3004	S	b7f1deee	1	-	gettylogin1
3024	S	b7f8336be	1	S1	getty
15497	S	b7a3840d	1	-	in.dcos-telnetd
15498	S	b793a468	1	20	vsh
19217	S	b7a3840d	1	-	in.dcos-telnetd
19218	S	b7912eee	1	21	vsh
19559	S	b7f5d468	1	-	sleep
19560	R	b7f426be	1	21	more
19561	R	b7939be4	1	21	vsh
19562	R	b7f716be	1	-	ps
-	NR	-	0	-	tacacs
-	NR	-	0	-	dhcp_snoop
-	NR	-	0	-	installer
-	NR	-	0	-	ippool
-	NR	-	0	-	nfm
-	NR	-	0	-	private-vlan
-	NR	-	0	-	scheduler
-	NR	-	0	-	vbuilder
"""


# -- running the console -------------------------------------------------------------------

_PROMPT_LINE = re.compile(r"vsg(\([a-z]+\))?#( |$)")


def transcript(script: str, *options: str) -> str:
    """The console's transcript of ``script`` (one command a line)."""
    out = io.StringIO()
    assert main(list(options), stdin=io.StringIO(script), stdout=out) == 0
    return out.getvalue()


def chunk(text: str, command: str) -> str:
    """The last ``<prompt><command>`` line of a transcript and the output after it, up
    to the next prompt."""
    lines = text.splitlines()
    start = max(i for i, line in enumerate(lines)
                if _PROMPT_LINE.match(line) and line.split("# ", 1)[-1] == command)
    end = next((i for i in range(start + 1, len(lines)) if _PROMPT_LINE.match(lines[i])),
               len(lines))
    return "\n".join(lines[start:end]) + "\n"


def trimmed(block: str) -> str:
    """A code block without the empty first line and the blank last line that some of
    the guide's blocks carry (artefacts of its conversion to text)."""
    return block.strip("\n").rstrip(" ").rstrip("\n") + "\n"


def normalised(text: str) -> list[str]:
    """The one comparison rule for examples whose layout the guide contradicts
    elsewhere: drop blank lines, and collapse each line's runs of white space (leading
    and trailing included) into single spaces.  Words and their order must still match.
    """
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


# -- Changing the Cisco VSG Role -------------------------------------------------------------

def test_role_standalone_prints_nothing():
    assert transcript("system redundancy role standalone\n") == GUIDE_ROLE_STANDALONE


def test_standalone_status_exactly():
    assert transcript("show system redundancy status\n", "--standalone") \
        == GUIDE_STANDALONE_STATUS


def test_copy_progress_exactly():
    assert transcript("copy running-config startup-config\n") == GUIDE_COPY


# -- Synchronization and the HA status ------------------------------------------------------

def test_synchronized_pair():
    assert normalised(transcript("show system redundancy status\n")) \
        == normalised(GUIDE_SYNCHRONIZED)


def test_verifying_the_ha_status():
    assert normalised(chunk(transcript("show system redundancy status\n"),
                            "show system redundancy status")) == normalised(GUIDE_HA_STATUS)


def test_pair_not_ready_for_a_failover_exactly():
    # Module 1 primary and active; a partition makes module 2 take over; the link heals
    # and, with settling off, the dual active is not yet resolved.
    text = transcript("lab settle off\nlab link down\nlab step\nlab link up\n"
                      "show system redundancy status\n")
    assert chunk(text, "show system redundancy status").startswith(GUIDE_NOT_READY)


# -- Manual switchover --------------------------------------------------------------------

def test_switchover_refused_exactly():
    text = transcript("system switchover\n", "--standalone")
    assert text == f"vsg# system switchover\n{GUIDE_SWITCHOVER_REFUSED}vsg#\n"


def test_switchover_messages_exactly():
    text = transcript("system switchover\n")
    assert chunk(text, "system switchover") == GUIDE_SWITCHOVER


def test_unsaved_config_diff_after_switchover():
    text = transcript("configure\ntelnet server enable\nend\nsystem switchover\n"
                      "show running-config diff\n")
    diff = chunk(text, "show running-config diff")
    assert diff.startswith(GUIDE_DIFF)
    # The second block lists the configuration's first lines, prefixes aside.
    lines, expected = normalised(diff), normalised(GUIDE_DIFF_LINES)
    assert any(lines[i:i + len(expected)] == expected for i in range(len(lines)))


def test_copy_in_configure_mode_exactly():
    assert transcript("configure\ncopy running-config startup-config\n").startswith(
        trimmed(GUIDE_CONFIG_COPY))


# -- Assigning IDs to HA Pairs ----------------------------------------------------------------

def test_ha_pair_id_exactly():
    assert transcript("configure\nha-pair id 10\n") \
        == trimmed(GUIDE_HA_PAIR_ID) + "vsg(config)#\n"


# -- Changing the standalone VSG to a primary ----------------------------------------------

def test_standalone_to_primary():
    # The guide's status example is the one from before the change ...
    before = transcript("show system redundancy status\n", "--standalone")
    assert normalised(before) == normalised(GUIDE_STANDALONE_BEFORE_PRIMARY)
    # ... while its text says the change takes effect at once, which is what happens.
    text = transcript("system redundancy role primary\nshow system redundancy status\n"
                      "configure\ncopy running-config startup-config\n", "--standalone")
    assert text.startswith(GUIDE_ROLE_PRIMARY)
    after = chunk(text, "show system redundancy status")
    assert "      administrative: primary\n      operational: primary\n" in after
    assert text.endswith(GUIDE_PRIMARY_COPY + "vsg(config)#\n")


def test_verifying_the_change_to_a_pair():
    # The guide's scenario: a standalone VSG becomes primary, a secondary is added.
    text = transcript("system redundancy role primary\nlab power on 2\n"
                      "show system redundancy status\n", "--standalone")
    assert normalised(chunk(text, "show system redundancy status")) == normalised(
        GUIDE_CHANGED_TO_PAIR + GUIDE_CHANGED_TO_PAIR_CONTINUED)


# -- show processes ------------------------------------------------------------------------

def test_processes_header_and_first_rows_exactly():
    assert chunk(transcript("show processes\n"), "show processes").startswith(
        GUIDE_PROCESSES)


def test_processes_whole_table():
    table = GUIDE_PROCESSES + GUIDE_PROCESSES_CONTINUED + GUIDE_PROCESSES_END
    assert normalised(chunk(transcript("show processes\n"), "show processes")) \
        == normalised(table)
