"""deploy/ against the binary it deploys (docs/operating.md, "Settings", "Under systemd",
"In a container"): the systemd unit passes `systemd-analyze verify` and keeps its sandbox, the
environment example names every flag of `oauthreg serve --help` as its OAUTHREG_ variable with
its default, and the container recipe keeps the shape the docs promise.

    check_deploy.py --oauthreg BUILD/tools/oauthreg [--deploy DIR]

Prints "N passed, N failed" last (tests/cli/harness.py); exit 1 on a failure.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cli"))

import harness  # noqa: E402
from harness import check  # noqa: E402

# The contract: this flag is taken from the command line only, never from the environment.
COMMAND_LINE_ONLY = {"cimd-allow-loopback"}
NOT_SETTINGS = {"help", "version"}

ap = argparse.ArgumentParser()
ap.add_argument("--oauthreg", required=True, help="the built binary")
ap.add_argument("--deploy", default=os.path.join(HERE, "..", "..", "deploy"))
args = ap.parse_args()
binary = os.path.abspath(args.oauthreg)
deploy = os.path.abspath(args.deploy)


def read(name):
    with open(os.path.join(deploy, name), encoding="utf-8") as f:
        return f.read()


def env_name(flag):
    return "OAUTHREG_" + flag.upper().replace("-", "_")


def serve_flags():
    """{flag: default or None} from `oauthreg serve --help`: each option line starts with
    `--name`; its text runs on over the more deeply indented lines that follow. A default
    is "(default X)"; "(default: words)" describes one and gives None."""
    p = subprocess.run([binary, "serve", "--help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    check("serve --help exits 0", p.returncode == 0, p.stderr.decode(errors="replace"))
    options = {}
    current = None
    for line in p.stdout.decode().splitlines():
        m = re.match(r"^\s{1,8}--([a-z0-9][a-z0-9-]*)\b(.*)$", line)
        if m:
            current = m.group(1)
            options[current] = m.group(2)
        elif current and line.startswith("   ") and line.strip():
            options[current] += " " + line.strip()
        else:
            current = None
    flags = {}
    for name, text in options.items():
        if name in NOT_SETTINGS:
            continue
        d = re.search(r"\(default ([^):][^)]*)\)", text)
        flags[name] = d.group(1).strip() if d else None
    return flags


def env_blocks(text):
    """{VARIABLE: (value, block)} for each `#OAUTHREG_X=value` or `OAUTHREG_X=value` line; the
    block is that line with the comment lines just above it (up to a blank line)."""
    out = {}
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^#?\s*(OAUTHREG_[A-Z0-9_]+)=(.*)$", line)
        if not m:
            continue
        j = i
        while j > 0 and lines[j - 1].strip():
            j -= 1
        out.setdefault(m.group(1), (m.group(2), "\n".join(lines[j:i + 1])))
    return out


def check_env_example(flags):
    text = read("oauthreg.env.example")
    blocks = env_blocks(text)
    check("serve --help lists flags", len(flags) >= 10, repr(sorted(flags)))
    for flag, default in sorted(flags.items()):
        var = env_name(flag)
        if flag in COMMAND_LINE_ONLY:
            check("env example leaves out the command-line-only " + var, var not in blocks)
            continue
        check("env example has " + var + " (--" + flag + ")", var in blocks)
        if var in blocks and default is not None:
            value, block = blocks[var]
            # the default as --help gives it, on the line or in its comment
            check("env example states the default of " + var, value == default or default in block,
                  "help says %r; example block:\n%s" % (default, block))
    for var, (value, block) in blocks.items():
        check("env example: " + var + " is commented out", block.splitlines()[-1].startswith("#"))
    extra = sorted(v for v in blocks if v != "OAUTHREG_SECRET_PEPPER"
                   and v not in {env_name(f) for f in flags})
    if extra:  # flags the contract adds that this binary does not have yet
        print("note: in the env example but not in serve --help:", " ".join(extra))


def unit_settings(text):
    """[(section, key, value)] of a unit file."""
    out, section = [], None
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        out.append((section, key.strip(), value.strip()))
    return out


def check_unit():
    text = read("oauthreg.service")
    s = unit_settings(text)
    service = {}
    for section, key, value in s:
        if section == "Service":
            service.setdefault(key, []).append(value)

    def has(key, value):
        check("unit: %s=%s" % (key, value), value in service.get(key, []), repr(service.get(key)))

    has("ExecStart", "/usr/local/bin/oauthreg serve")
    has("DynamicUser", "yes")
    has("StateDirectory", "oauthreg")
    has("ProtectSystem", "strict")
    has("NoNewPrivileges", "yes")
    has("PrivateTmp", "yes")
    has("ProtectHome", "yes")
    has("PrivateDevices", "yes")
    has("CapabilityBoundingSet", "")
    has("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX")
    has("SystemCallFilter", "@system-service")
    has("LockPersonality", "yes")
    has("MemoryDenyWriteExecute", "yes")
    has("RestrictNamespaces", "yes")
    has("KillSignal", "SIGTERM")
    has("Restart", "on-failure")
    has("LimitNOFILE", "65536")
    has("EnvironmentFile", "-/etc/oauthreg/oauthreg.env")
    check("unit: ExecReload sends SIGHUP",
          any(re.search(r"kill\b.*(-s HUP|-HUP|-SIGHUP|-s SIGHUP)\s+\$MAINPID", v) for v in service.get("ExecReload", [])),
          repr(service.get("ExecReload")))
    check("unit: the SQLite store is in the state directory",
          "OAUTHREG_STORE=sqlite:/var/lib/oauthreg/clients.db" in service.get("Environment", []))
    check("unit: no User= beside DynamicUser", "User" not in service)

    analyze = shutil.which("systemd-analyze")
    if not analyze:
        if os.environ.get("CI"):
            check("systemd-analyze is installed (CI)", False)
        else:
            print("note: systemd-analyze not found; the unit was not verified")
        return
    with tempfile.TemporaryDirectory(prefix="oauthreg_unit_") as tmp:
        # The unit as installed, except that it runs the binary under test.
        path = os.path.join(tmp, "oauthreg.service")
        with open(path, "w", encoding="utf-8") as f:
            f.write(re.sub(r"(?m)^ExecStart=\S+", lambda _: "ExecStart=" + binary, text))
        p = subprocess.run([analyze, "verify", path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        out = p.stdout.decode(errors="replace")
        # Unknown keys and bad values are only warnings (exit 0): any line about the unit fails.
        about_unit = [line for line in out.splitlines() if "oauthreg.service" in line]
        check("systemd-analyze verify passes", p.returncode == 0 and not about_unit, out)


def check_containerfile():
    text = read("Containerfile")
    froms = re.findall(r"(?im)^FROM\s+(\S+)", text)
    check("Containerfile: multi-stage, from Debian 12", len(froms) >= 2 and all(f.startswith("debian:12") for f in froms),
          repr(froms))
    runtime = text[text.rfind("\nFROM"):]
    for lib in ("libboost-json1.81.0", "libboost-url1.81.0", "libcrypto++8", "libsqlite3-0", "libpq5", "libssl3"):
        check("Containerfile: runtime has " + lib, lib in runtime)
    check("Containerfile: no -dev package at runtime", not re.search(r"\S+-dev\b", runtime))
    check("Containerfile: Release build", "-DCMAKE_BUILD_TYPE=Release" in text)
    user = re.findall(r"(?m)^USER\s+(\S+)", runtime)
    check("Containerfile: runs as a non-root user", bool(user) and user[-1].split(":")[0] not in ("root", "0"), repr(user))
    check("Containerfile: EXPOSE 8080", re.search(r"(?m)^EXPOSE\s+8080\b", runtime) is not None)
    check("Containerfile: listens on 0.0.0.0:8080", "OAUTHREG_LISTEN=0.0.0.0:8080" in runtime)
    check("Containerfile: SQLite on the volume",
          "OAUTHREG_STORE=sqlite:/var/lib/oauthreg/" in runtime and re.search(r"(?m)^VOLUME .*/var/lib/oauthreg", runtime))
    check("Containerfile: serves", re.search(r'(?m)^(CMD|ENTRYPOINT) .*"serve"', runtime) is not None)


check_env_example(serve_flags())
check_unit()
check_containerfile()
sys.exit(harness.finish())
