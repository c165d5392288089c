"""Selenium helpers for the browser console's tests (issue 13): headless
Chromium at 1280x720 through Debian's chromium-driver, log-in, bounded
waits, and screenshots kept under $SCREENSHOTS (default
tests/integration/screenshots/ in the build tree), whose paths are printed
so the test log names them."""

import os
import time

CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
WIDTH, HEIGHT = 1280, 720


def available():
    """'' if selenium, chromium and chromedriver are there, else why not."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "python3-selenium is not installed"
    for exe in (CHROMEDRIVER, CHROMIUM):
        if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
            return "%s is not installed" % exe
    return ""


def screenshot_dir():
    """$SCREENSHOTS, else tests/integration/screenshots/ of the build tree
    (beside $PCOD: the source tree may be read-only, as in distcheck)."""
    d = os.environ.get("SCREENSHOTS")
    if not d:
        top = os.path.dirname(os.environ.get("PCOD", "")) or os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "..", "..")
        d = os.path.join(top, "tests", "integration", "screenshots")
    os.makedirs(d, exist_ok=True)
    return os.path.abspath(d)


def start_browser():
    """A headless Chromium (new headless mode) with a 1280x720 viewport."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
              "--disable-dev-shm-usage", "--window-size=%d,%d" % (WIDTH, HEIGHT),
              "--autoplay-policy=no-user-gesture-required",
              "--no-first-run", "--no-default-browser-check",
              "--disable-extensions", "--disable-background-networking",
              "--password-store=basic"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=CHROMEDRIVER)
    d = webdriver.Chrome(service=service, options=opts)
    d.set_page_load_timeout(15)
    d.set_script_timeout(10)
    # --window-size sets the window; make the viewport itself 1280x720.
    try:
        inner = d.execute_script("return [window.innerWidth, window.innerHeight]")
        if inner != [WIDTH, HEIGHT]:
            d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1,
                "mobile": False})
    except Exception:
        pass
    return d


def wait_for(driver, css, text=None, timeout=5, visible=True, gone=False):
    """The first element matching css (and containing text) within timeout
    seconds; with gone=True, wait until there is none.  Raises
    TimeoutError saying what was awaited."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By

    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            found = None
            for el in driver.find_elements(By.CSS_SELECTOR, css):
                if visible and not el.is_displayed():
                    continue
                if text is not None and text not in el.text:
                    last = el.text
                    continue
                found = el
                break
            if gone and found is None:
                return True
            if not gone and found is not None:
                return found
        except (StaleElementReferenceException, WebDriverException):
            pass
        if time.monotonic() >= deadline:
            raise TimeoutError("%s %r%s after %.1f s (last text seen: %r)" % (
                "still there:" if gone else "no", css,
                "" if text is None else " with text %r" % text, timeout, last))
        time.sleep(0.05)


def text(driver, css, want=None, timeout=5):
    """The text of the first visible element matching css, once it contains
    want (if given): read again when the page re-rendered the element in
    between (a live update), so a check never trips on a stale element.
    After timeout, whatever the element says then ("" if there is none)."""
    from selenium.common.exceptions import StaleElementReferenceException

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return wait_for(driver, css, want,
                            timeout=max(0.1, deadline - time.monotonic())).text
        except StaleElementReferenceException:
            continue
        except TimeoutError:
            break
    for _ in range(5):
        try:
            return wait_for(driver, css, timeout=0.5).text
        except StaleElementReferenceException:
            continue
        except TimeoutError:
            break
    return ""


def login(driver, base, user, password, expect_ok=True):
    """Open the console at base and log in; waits for the queue (or, with
    expect_ok False, for the login screen's message)."""
    from selenium.webdriver.common.by import By

    if not driver.current_url.startswith(base):
        driver.get(base + "/")
    u = wait_for(driver, "#login-user")
    u.clear()
    u.send_keys(user)
    p = driver.find_element(By.CSS_SELECTOR, "#login-password")
    p.clear()
    p.send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "#login-submit").click()
    if expect_ok:
        return wait_for(driver, "#who", user)
    return wait_for(driver, "#login-msg.login-error")


def shot(driver, name):
    """Save a screenshot as NAME.png; prints and returns its path."""
    path = os.path.join(screenshot_dir(), "%s.png" % name)
    driver.save_screenshot(path)
    print("# screenshot: %s" % path, flush=True)
    return path


def console_errors(driver, network=False):
    """The page's console lines of level SEVERE (CSP refusals, script
    exceptions); failed requests (source "network": a 401, a refused
    connection while pcod is down) only with network=True."""
    try:
        return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"
                and (network or e.get("source") != "network")]
    except Exception:
        return []


def quit(driver):
    try:
        driver.quit()
    except Exception:
        pass


__all__ = ["available", "start_browser", "login", "shot", "wait_for",
           "console_errors", "quit", "screenshot_dir"]
