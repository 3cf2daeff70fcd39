"""tuitest.py - drive the curses view in a real terminal: tmux runs it,
send-keys types, capture-pane reads what a person would see.

Each session gets its own tmux server (-L tlsscope-tui-test-<pid>-<n>), no
user config, a UTF-8 locale, and the command's exit status printed after it
so the test can read it from the pane.
"""
import os
import re
import shutil
import subprocess
import sys
import time

EXIT_MARK = "TLSSCOPE-EXIT="


def skip_without_tmux():
    if not shutil.which("tmux"):
        print("SKIP: tmux is not installed (scripts/install-deps.sh installs it)")
        sys.exit(77)


class Fail(Exception):
    pass


class Session:
    count = 0

    def __init__(self, command, width, height, cwd, env=None):
        Session.count += 1
        self.socket = "tlsscope-tui-test-%d-%d" % (os.getpid(), Session.count)
        self.env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8")
        self.env.pop("TMUX", None)
        shell = "%s; echo %s$?; sleep 600" % (command, EXIT_MARK)
        args = ["new-session", "-d", "-x", str(width), "-y", str(height), "-c", cwd]
        for k, v in (env or {}).items():
            args += ["-e", "%s=%s" % (k, v)]
        self.tmux(*args, shell)

    def tmux(self, *args):
        r = subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args], env=self.env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            raise Fail("tmux %s: %s" % (" ".join(args[:2]), r.stderr.strip()))
        return r.stdout

    def screen(self, escapes=False):
        return self.tmux("capture-pane", "-p", *(["-e"] if escapes else []), "-t", "0")

    def keys(self, *keys):
        self.tmux("send-keys", "-t", "0", *keys)

    def type(self, text):
        self.tmux("send-keys", "-t", "0", "-l", text)

    def resize(self, width, height):
        self.tmux("resize-window", "-t", "0", "-x", str(width), "-y", str(height))

    def wait(self, what, timeout=15.0, why=""):
        """Poll the screen until what (a string, a regex or a predicate over the text) holds and the
        screen has settled: curses writes a redraw in pieces, and a capture taken between two of
        them shows a title whose body is not drawn yet. Two equal captures 0.15 s apart count as
        settled."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            text = self.screen()
            if callable(what):
                ok = what(text)
            elif isinstance(what, re.Pattern):
                ok = what.search(text)
            else:
                ok = what in text
            if ok and text == last:
                return text
            last = text if ok else None
            if time.monotonic() > deadline:
                if ok:
                    return text  # it holds, though the screen keeps changing (a live count)
                raise Fail("timed out waiting for %s%s; the screen was:\n%s" %
                           (why or repr(what), "", text))
            time.sleep(0.15 if ok else 0.1)

    def exit_status(self, timeout=10.0):
        text = self.wait(EXIT_MARK, timeout, "the view to exit")
        return int(re.search(re.escape(EXIT_MARK) + r"(\d+)", text).group(1)), text

    def close(self):
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
