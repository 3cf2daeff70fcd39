"""Headless Chromium for the tests that check an HTML page in a real browser (chromium,
chromium-driver and python3-selenium, from scripts/install-deps.sh).

start(*extra_args) gives (driver, By, None), or (None, None, why) when a piece is missing: the
caller skips (exit 77) and prints why. Debian's python3-selenium lives in the system interpreter;
when another python3 comes first in PATH the test is run again with /usr/bin/python3 (its exit
status becomes this one's).
"""
import os
import shutil
import subprocess
import sys


def start(*extra_args):
    if not shutil.which("chromium"):
        return None, None, "chromium is not installed (apt-get install chromium chromium-driver python3-selenium)"
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
    except ImportError:
        if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") \
                and not os.environ.get("TLSSCOPE_HTML_REEXEC"):
            os.environ["TLSSCOPE_HTML_REEXEC"] = "1"
            sys.exit(subprocess.run(["/usr/bin/python3", *sys.argv]).returncode)
        return None, None, "python3-selenium is not installed (apt-get install python3-selenium chromium-driver)"
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not os.path.exists(driver_path):
        return None, None, "chromedriver is not installed (apt-get install chromium-driver)"
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", *extra_args):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        return webdriver.Chrome(service=Service(driver_path), options=opts), By, None
    except Exception as e:  # no display, no shared memory, ...: say why rather than fail obscurely
        return None, None, "cannot start headless Chromium: %s" % str(e).splitlines()[0]
