#!/usr/bin/env python3
"""What `cmake --install` and the Debian package deliver, checked as a user would meet it.

  completion SRC BUILD  every long option of every command (read from the getopt tables in
                        src/cli/) is in both completions; bash (COMP_WORDS/COMPREPLY) and
                        zsh (Tab in a pseudo-terminal) really complete them
  version    SRC BUILD  --version names the libpcap, OpenSSL and ncurses that the binary
                        loads (asked of those very .so files through ctypes)
  unit       SRC BUILD  the installed tlsscope@.service passes `systemd-analyze verify`
  package    SRC BUILD  cpack builds the .deb; extracted, its libraries resolve, it runs,
                        analyses a sample, its man page renders without warnings; lintian
  chroot     SRC BUILD  the .deb installed with apt into a fresh debootstrap (minbase) root:
                        Depends pull in what it needs, and it runs there (root and Debian's
                        mirror needed, about a minute)
Exit 77 when a tool the check needs is missing.
"""
import ctypes
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def need(*tools):
    for t in tools:
        if not shutil.which(t):
            print(f"skipped: {t} not installed")
            sys.exit(SKIP)


def install_into(build, prefix):
    r = run(["cmake", "--install", build, "--prefix", prefix])
    if r.returncode:
        fail("cmake --install: " + r.stderr)


def source_options(src):
    """{command: [long option names]} from the getopt tables in src/cli/*.c."""
    header = open(os.path.join(src, "src/cli/cli_analysis.h")).read()
    macro = re.search(r"#define ANALYSIS_LONG_OPTIONS(.*?)\n\n", header, re.S).group(1)
    shared = re.findall(r'"([a-z0-9-]+)",\s*(?:no|required|optional)_argument', macro)
    found = {}
    cli = os.path.join(src, "src/cli")
    for name in sorted(os.listdir(cli)):
        if not name.endswith(".c"):
            continue
        text = open(os.path.join(cli, name)).read()
        for cmd, body in re.findall(r"const struct option (\w+)_long_options\[\] = \{(.*?)\n\};", text, re.S):
            opts = re.findall(r'"([a-z0-9-]+)",\s*(?:no|required|optional)_argument', body)
            if "ANALYSIS_LONG_OPTIONS" in body:
                opts = shared + opts
            found[cmd] = opts
    if len(shared) < 5 or len(found) < 4:
        fail(f"could not read the option tables: shared {shared}, commands {sorted(found)}")
    return found


def bash_complete(script, words):
    """COMPREPLY of the loaded completion for the command line `words` (the last one is completed)."""
    prog = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); '
            'COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _tlsscope; printf "%s\\n" "${COMPREPLY[@]}"')
    r = run(["bash", "--norc", "--noprofile", "-c", prog, "bash", script] + words)
    if r.returncode:
        fail(f"bash completion of {words}: {r.stderr}")
    return [w for w in r.stdout.split("\n") if w]


def check_completion(src, build):
    need("bash")
    tlsscope = os.path.join(build, "tlsscope")
    options = source_options(src)
    usage = run([tlsscope, "--help"]).stdout
    commands = sorted(set(re.findall(r"^\s*(?:usage:)?\s*tlsscope ([a-z]+)\b", usage, re.M)))
    if sorted(options) != commands:
        fail(f"commands in --help {commands} and option tables {sorted(options)} differ")
    with tempfile.TemporaryDirectory() as root:
        install_into(build, root)
        bash = os.path.join(root, "share/bash-completion/completions/tlsscope")
        zsh = os.path.join(root, "share/zsh/vendor-completions/_tlsscope")
        zsh_text = open(zsh).read()
        checked = 0
        for cmd in commands:
            if cmd not in bash_complete(bash, ["tlsscope", cmd[:2]]):
                fail(f"bash does not complete the command {cmd}")
            if f"\t{cmd})" not in zsh_text:
                fail(f"zsh completion has no case for {cmd}")
            every = set(bash_complete(bash, ["tlsscope", cmd, "--"]))
            for opt in options[cmd]:
                reply = bash_complete(bash, ["tlsscope", cmd, "--" + opt])
                if "--" + opt not in reply or "--" + opt not in every:
                    fail(f"bash does not complete {cmd} --{opt} (got {reply})")
                if not re.search(rf"\t{re.escape(cmd)}\)\n\t\t_arguments[^;]*'--{re.escape(opt)}[=']", zsh_text):
                    fail(f"zsh completion lacks {cmd} --{opt}")
                checked += 1
            if len(every) < len(options[cmd]):
                fail(f"bash offers {len(every)} options for {cmd}, the table has {len(options[cmd])}")
        # A value is a file: after --output the files of the folder are offered, not options.
        os.makedirs(os.path.join(root, "work"))
        open(os.path.join(root, "work", "capture.pcap"), "w").close()
        here = os.getcwd()
        os.chdir(os.path.join(root, "work"))
        try:
            if bash_complete(bash, ["tlsscope", "analyze", "--output", "cap"]) != ["capture.pcap"]:
                fail("bash does not complete a file name after --output")
            if bash_complete(bash, ["tlsscope", "analyze", "cap"]) != ["capture.pcap"]:
                fail("bash does not complete a capture file")
        finally:
            os.chdir(here)
        if shutil.which("zsh"):
            r = run(["zsh", "-n", zsh])
            if r.returncode:
                fail("zsh -n: " + r.stderr)
            r = run(["zsh", "-f", "-c", f'fpath=({os.path.dirname(zsh)} $fpath); autoload -Uz compinit; '
                     'compinit -u -D; print -r -- $_comps[tlsscope]'])
            if r.stdout.strip() != "_tlsscope":
                fail(f"zsh compinit did not register _tlsscope: {r.stdout!r} {r.stderr!r}")
            # And zsh really completes: a unique prefix of each command's last option, then Tab.
            for cmd in commands:
                opt = options[cmd][-2]  # the last is --help
                prefix = next(opt[:n] for n in range(1, len(opt) + 1)
                              if [o for o in options[cmd] if o.startswith(opt[:n])] == [opt])
                line = f"tlsscope {cmd} --{prefix}"
                for attempt in range(3):  # a loaded machine can be slower than the typing
                    r = run(["zsh", "-f", os.path.join(os.path.dirname(__file__), "zsh_complete.zsh"),
                             os.path.dirname(zsh), line], timeout=30)
                    if r.stdout.strip().startswith(f"tlsscope {cmd} --{opt}"):
                        break
                else:
                    fail(f"zsh completed {line!r} to {r.stdout.strip()!r}, not --{opt}")
        else:
            print("zsh not installed: its completion checked as text only")
    print(f"ok: {checked} options of {len(commands)} commands complete in bash and are in zsh's (zsh: {bool(shutil.which('zsh'))})")


def loaded_libraries(binary):
    """{soname prefix: resolved path} that ldd reports, failing on any 'not found'."""
    r = run(["ldd", binary])
    if r.returncode or "not found" in r.stdout:
        fail(f"ldd {binary}:\n{r.stdout}{r.stderr}")
    return dict(re.findall(r"^\s*(lib[a-z]+)[^ ]* => (\S+)", r.stdout, re.M))


def check_version_against(binary, env=None):
    r = run([binary, "--version"], env=env)
    if r.returncode:
        fail(f"{binary} --version exited {r.returncode}: {r.stderr}")
    lines = r.stdout.split("\n")
    libs = loaded_libraries(binary)
    expect = []
    for soname, func, args in (("libpcap", "pcap_lib_version", []), ("libcrypto", "OpenSSL_version", [0]),
                               ("libncursesw", "curses_version", [])):
        if soname not in libs:
            fail(f"{binary} does not load {soname}: {sorted(libs)}")
        fn = getattr(ctypes.CDLL(libs[soname]), func)
        fn.restype = ctypes.c_char_p
        expect.append(fn(*args).decode())
    if lines[0] != "tlsscope 0.1.0" or lines[1:4] != expect:
        fail(f"--version printed {lines} but the libraries say {expect}")
    return lines[:4]


def check_version(src, build):
    need("ldd")
    print("ok:", check_version_against(os.path.join(build, "tlsscope")))


def check_unit(src, build):
    need("systemd-analyze")
    with tempfile.TemporaryDirectory() as root:
        install_into(build, root)
        unit_dir = os.path.join(root, "lib/systemd/system")
        unit = os.path.join(unit_dir, "tlsscope@.service")
        text = open(unit).read()
        for line in ("DynamicUser=yes", "AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN",
                     "CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN", "NoNewPrivileges=yes",
                     "LogsDirectory=tlsscope", f"ExecStart={root}/bin/tlsscope live -i %I"):
            if line not in text:
                fail(f"the unit lacks {line!r}")
        instance = os.path.join(unit_dir, "tlsscope@lo.service")
        os.symlink("tlsscope@.service", instance)
        # Documentation=man:tlsscope(1) is looked up too: the installed page must be found.
        env = dict(os.environ, MANPATH=os.path.join(root, "share/man"))
        r = run(["systemd-analyze", "verify", instance], env=env)
        if r.returncode or r.stderr.strip():
            fail(f"systemd-analyze verify: {r.returncode} {r.stdout}{r.stderr}")
        r = run(["systemd-analyze", "security", "--offline=yes", instance], env=env)
        print("systemd-analyze security:", (r.stdout.strip().split("\n") or ["?"])[-1])
    print("ok: tlsscope@lo.service verifies")


def check_package(src, build):
    need("cpack", "dpkg-deb", "dpkg-shlibdeps", "ldd", "man")
    out = os.path.join(build, "deb")
    shutil.rmtree(out, ignore_errors=True)
    r = run(["cpack", "-G", "DEB"], cwd=build)
    debs = [f for f in os.listdir(out) if f.endswith(".deb")] if os.path.isdir(out) else []
    if r.returncode or len(debs) != 1:
        fail(f"cpack: {r.stdout}{r.stderr}")
    deb = os.path.join(out, debs[0])
    depends = run(["dpkg-deb", "-f", deb, "Depends"]).stdout
    for pkg in ("libc6", "libpcap0.8", "libssl3", "libncursesw6"):
        if not re.search(rf"\b{re.escape(pkg)} \(>=", depends):
            fail(f"Depends lacks {pkg}: {depends}")
    with tempfile.TemporaryDirectory() as root:
        if run(["dpkg-deb", "-x", deb, root]).returncode:
            fail("dpkg-deb -x failed")
        for path in ("usr/bin/tlsscope", "usr/share/man/man1/tlsscope.1.gz", "usr/lib/systemd/system/tlsscope@.service",
                     "usr/share/bash-completion/completions/tlsscope", "usr/share/zsh/vendor-completions/_tlsscope",
                     "usr/share/doc/tlsscope/copyright", "usr/share/doc/tlsscope/json.md",
                     "usr/share/doc/tlsscope/tlsscope.schema.json", "usr/share/doc/tlsscope/img/html-report.png"):
            if not os.path.exists(os.path.join(root, path)):
                fail(f"the package lacks /{path}")
        binary = os.path.join(root, "usr/bin/tlsscope")
        unit = open(os.path.join(root, "usr/lib/systemd/system/tlsscope@.service")).read()
        if "ExecStart=/usr/bin/tlsscope live" not in unit:
            fail("the packaged unit does not start /usr/bin/tlsscope")
        check_version_against(binary)
        # The packaged (stripped) program reads a sample exactly as the build's does.
        sample = ["analyze", "--json", "--ca", os.path.join(src, "pcaps/ca/root.pem"),
                  os.path.join(src, "pcaps/01-tls12-good.pcap")]
        r = run([binary] + sample)
        ref = run([os.path.join(build, "tlsscope")] + sample)
        if r.returncode or r.stdout != ref.stdout or '"type":"connection"' not in r.stdout:
            fail(f"packaged tlsscope analyze: {r.returncode} {r.stdout[:300]} {r.stderr}")
        r = run(["man", "--warnings", "-l", os.path.join(root, "usr/share/man/man1/tlsscope.1.gz")],
                env=dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="", LC_ALL="C.UTF-8"))
        if r.returncode or r.stderr.strip() or "tlsscope" not in r.stdout:
            fail(f"man -l: {r.returncode} {r.stderr}")
    if shutil.which("lintian"):
        r = run(["lintian", "--pedantic", deb])
        tags = [l for l in (r.stdout + r.stderr).split("\n") if l.strip() and "root privileges" not in l]
        if r.returncode or tags:
            fail("lintian: " + "\n".join(tags))
        print("lintian --pedantic: clean")
    else:
        print("lintian not installed: not run")
    print(f"ok: {debs[0]}, Depends: {depends.strip()}")


def debian_mirror():
    """The mirror apt uses here (debootstrap does not read apt's sources)."""
    for path in ("/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"):
        if os.path.exists(path):
            m = re.search(r"^(?:URIs:\s*|deb\s+)(https?://\S+/debian)\s*$", open(path).read(), re.M)
            if m:
                return m.group(1)
    return "http://deb.debian.org/debian"


def check_chroot(src, build):
    need("debootstrap", "chroot", "cpack")
    if os.geteuid() != 0:
        print("skipped: debootstrap and chroot need root")
        sys.exit(SKIP)
    r = run(["cpack", "-G", "DEB"], cwd=build)
    debs = [f for f in os.listdir(os.path.join(build, "deb")) if f.endswith(".deb")]
    if r.returncode or len(debs) != 1:
        fail(f"cpack: {r.stdout}{r.stderr}")
    root = tempfile.mkdtemp(prefix="tlsscope-chroot-", dir=build)
    try:
        r = run(["debootstrap", "--variant=minbase", "bookworm", root, debian_mirror()], timeout=240)
        if r.returncode:
            print("skipped: debootstrap could not make the root (no mirror?):", r.stdout[-500:], r.stderr[-500:])
            sys.exit(SKIP)
        shutil.copy(os.path.join(build, "deb", debs[0]), os.path.join(root, "tmp", debs[0]))
        shutil.copy(os.path.join(src, "pcaps/01-tls12-good.pcap"), os.path.join(root, "tmp/sample.pcap"))
        shutil.copy(os.path.join(src, "pcaps/ca/root.pem"), os.path.join(root, "tmp/root.pem"))
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        for cmd in (["apt-get", "update", "-qq"],
                    ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "/tmp/" + debs[0]]):
            r = run(["chroot", root] + cmd, env=env, timeout=240)
            if r.returncode:
                fail(f"in the chroot, {' '.join(cmd)}: {r.stdout[-1500:]}{r.stderr[-1500:]}")
        r = run(["chroot", root, "tlsscope", "--version"])
        if r.returncode or not r.stdout.startswith("tlsscope 0.1.0\nlibpcap version"):
            fail(f"tlsscope --version in the chroot: {r.stdout}{r.stderr}")
        version = r.stdout.strip().split("\n")
        # The same relative names inside (chroot starts in /) and outside: identical JSON.
        sample = ["analyze", "--json", "--ca", "tmp/root.pem", "tmp/sample.pcap"]
        r = run(["chroot", root, "tlsscope"] + sample)
        ref = run([os.path.join(build, "tlsscope")] + sample, cwd=root)
        if r.returncode or r.stdout != ref.stdout or '"type":"connection"' not in r.stdout:
            fail(f"tlsscope analyze in the chroot differs from the build's: {r.stdout[:400]}{r.stderr}")
        r = run(["chroot", root, "dpkg", "-L", "tlsscope"])
        for path in ("/usr/bin/tlsscope", "/usr/share/man/man1/tlsscope.1.gz", "/usr/lib/systemd/system/tlsscope@.service"):
            if path not in r.stdout.split("\n"):
                fail(f"dpkg -L tlsscope lacks {path}")
        r = run(["chroot", root, "dpkg", "--purge", "tlsscope"])
        if r.returncode or os.path.exists(os.path.join(root, "usr/bin/tlsscope")):
            fail(f"dpkg --purge: {r.stdout}{r.stderr}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("ok: installed with apt into a debootstrap root and run there:", version)


if __name__ == "__main__":
    mode, src, build = sys.argv[1], *map(os.path.abspath, sys.argv[2:4])
    {"completion": check_completion, "version": check_version, "unit": check_unit,
     "package": check_package, "chroot": check_chroot}[mode](src, build)
