"""The vocabulary of each format family: the spellings, defaults, markers and schema that both a
format's reader (``vpnxlate/parsers/``) and its writer (``vpnxlate/emitters/``) use, written once.

* :mod:`.aws` — AWS's algorithm names and what AWS uses when a tunnel option is left at its default;
* :mod:`.vyatta` — the Vyatta/VyOS spellings of the algorithms;
* :mod:`.vyos` — the header, connection lines and ``AWS-<tag>-T<n>`` names ``--to vyos`` writes;
* :mod:`.setcmd` — the one tokenizer of the set-command / config.boot family;
* :mod:`.vpnxlate_json` — the schema (keys, version) of vpnxlate's own JSON.

These modules import nothing from parsers or emitters (and nothing heavy).
"""
