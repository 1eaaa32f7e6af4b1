"""hapair: a formally checked specification of a Cisco VSG active/standby HA pair."""
