// Drives the real Latchkey window (tauri-driver → WebKitWebDriver → the release-like
// debug binary) under Xvfb, with the real Secret Service. Run through scripts/test.sh.
//
// Flow: create a project; try bad input (empty name, port out of range, host with
// spaces, duplicate name) and see inline errors naming each field; create a
// PostgreSQL connection with a literal password (a canary); quit; relaunch; see the
// connection again; then prove the canary is in the OS keychain and nowhere in the
// SQLite file, its WAL, the logs or the DOM. Then the same with a secret picked from
// AWS Secrets Manager (moto) and from HashiCorp Vault / OpenBao (AppRole), each
// passing the four test steps. Then a rotation: a secret on moto gets a new version, the
// connection's Refresh says "Rotated" (old → new) and its row gets the "rotated" badge;
// and the control API is switched on and off in Settings › Automation. Last, the
// secrets mode: to project mode through the preview, a project's own manager tests a
// connection (another project's connection cannot use it), and back to workspace mode.
// Then Azure Key Vault: the test kit's local Key Vault (HTTPS, Entra ID token endpoint)
// configured in the UI, a secret picked from its grouped tree, four green steps.
// Last, rotation awareness: a rotation on moto found by the background watch shows in
// the Secrets inventory as "rotated upstream", clicks through to the connection, and
// an audited reveal shows one value and hides it again after 30 s.
// Screenshots of each screen go to tests/e2e/screenshots/.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { request } from "node:http";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { remote } from "webdriverio";

const here = dirname(fileURLToPath(import.meta.url));
const shots = resolve(here, "../screenshots");
const app = process.env.LATCHKEY_APP;
assert.ok(app && existsSync(app), `LATCHKEY_APP must point at the built desktop binary (got ${app})`);

const dataDir = mkdtempSync(join(tmpdir(), "latchkey-e2e-"));
const service = `latchkey-e2e-${process.pid}-${Date.now()}`;
const CANARY = `canary-e2e-${Math.random().toString(36).slice(2, 10)}`;
const CANARY_KEY = `canary-aws-key-${Math.random().toString(36).slice(2, 10)}`;
let driver;
let browser;

async function waitForDriver() {
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch("http://127.0.0.1:4444/status");
      if (r.ok && (await r.json()).value?.ready !== false) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("tauri-driver did not become ready on :4444");
}

async function launch() {
  // A test that failed mid-way left its session open; tauri-driver allows one at a time.
  await browser?.deleteSession().catch(() => {});
  browser = undefined;
  const b = await remote({
    hostname: "127.0.0.1",
    port: 4444,
    logLevel: "error",
    connectionRetryCount: 0,
    connectionRetryTimeout: 60000,
    capabilities: {
      browserName: "wry",
      "wdio:enforceWebDriverClassic": true,
      "tauri:options": { application: app, args: ["--data-dir", dataDir] },
    },
  });
  await b.setTimeout({ implicit: 0 });
  await heading(b, "Connections");
  return b;
}

async function heading(b, text) {
  await b.waitUntil(async () => (await b.$("h1").getText().catch(() => "")) === text, {
    timeout: 15000,
    timeoutMsg: `page "${text}" did not show`,
  });
}

// WebKitWebDriver's own screenshot hangs under Xvfb, so the X screen is captured
// instead (ImageMagick), which also shows the real window as a user sees it.
async function shot(name) {
  mkdirSync(shots, { recursive: true });
  await browser.pause(300); // let transitions settle
  // The window is 1240×780 at the screen's top-left corner.
  execFileSync("import", ["-window", "root", "-crop", "1240x780+0+0", "+repage", join(shots, `${name}.png`)], {
    stdio: "ignore",
  });
}

async function nav(label) {
  await browser.$(`//nav//button[.//span[normalize-space()="${label}"]]`).click();
}

// Elements are looked up afresh on every call (by XPath under `scope`), so a React
// re-render between two WebDriver calls cannot leave the test holding a stale node.
const DIALOG = '//div[@role="dialog"]';

async function retry(fn) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= 4) throw e;
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

async function byLabel(scope, label) {
  const id = await browser.$(`${scope}//label[starts-with(normalize-space(), "${label}")]`).getAttribute("for");
  return browser.$(`[id="${id}"]`);
}

/** The inline error shown under the field labelled `label`, or null. */
async function fieldError(scope, label) {
  return retry(async () => {
    const input = await byLabel(scope, label);
    const described = (await input.getAttribute("aria-describedby")) ?? "";
    const errId = described.split(" ").find((s) => s.endsWith("-error"));
    return errId ? browser.$(`[id="${errId}"]`).getText() : null;
  });
}

async function setValue(scope, label, value) {
  await retry(async () => {
    const input = await byLabel(scope, label);
    await input.clearValue();
    if (value !== "") await input.setValue(value);
  });
}

async function click(scope, text) {
  await retry(() => browser.$(`${scope}//button[normalize-space()="${text}"]`).click());
}

/** "Add secrets manager" asks for the kind first: chooses the card titled `label`. */
async function chooseKind(label) {
  await click("", "Add secrets manager");
  await retry(() =>
    browser.$(`${DIALOG}//button[.//span[@class="kind-card-title"][normalize-space()="${label}"]]`).click(),
  );
}

/** "New connection" asks for the type first: chooses the card of `kind` ("postgres", "redis"…). */
async function newConnection(kind) {
  await click("", "New connection");
  await retry(() => browser.$(`${DIALOG}//button[@data-kind="${kind}"]`).click());
  await browser.$(`${DIALOG}//*[@data-testid="connection-type"][@data-kind="${kind}"]`).waitForExist({ timeout: 5000 });
}

async function select(scope, label, how, value) {
  await retry(async () => {
    const el = await byLabel(scope, label);
    if (how === "text") await el.selectByVisibleText(value);
    else await el.selectByAttribute("value", value);
  });
}

/**
 * Clicks the picker's tree row named `label` at `level`. The rows are virtualized (only
 * those in view are in the DOM), the top level loads 100 secrets a page, and the shared
 * moto holds secrets from earlier runs, so the row may need finding: scan the tree from
 * the top, and at the bottom load the next top-level page and scan again.
 */
async function clickTreeItem(scope, label, level) {
  const row = `${scope}//div[@role="treeitem"][@aria-level="${level}"][.//span[@class="tree-label"][normalize-space()="${label}"]]`;
  const tree = `${scope}//div[@role="tree"]`;
  const loading = `${scope}//div[@role="treeitem"][@data-kind="loading" or (@data-kind="more" and contains(., "Loading"))]`;
  // Scrolls the tree a screen down (or back to the top); true when it was already at the bottom.
  const scroll = (top) =>
    browser.execute(
      (xpath, toTop) => {
        const el = document.evaluate(xpath, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
        if (!el) return false;
        if (toTop) {
          el.scrollTop = 0;
          return false;
        }
        if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1) return true;
        el.scrollTop += Math.max(32, el.clientHeight - 64);
        return false;
      },
      tree,
      top,
    );
  // A node just opened shows its children below it, in view, once they load.
  await browser
    .$(row)
    .waitForExist({ timeout: 10000 })
    .catch(async () => scroll(true));
  await browser.waitUntil(
    async () => {
      if (await browser.$(row).isExisting()) return true;
      if (await browser.$(loading).isExisting()) return false;
      if (await scroll(false)) {
        const more = await browser.$(`${scope}//div[@role="treeitem"][@aria-level="1"][@data-kind="more"]`);
        if (await more.isExisting()) {
          await more.click().catch(() => {});
          await scroll(true);
        }
      }
      return false;
    },
    { timeout: 60000, interval: 250, timeoutMsg: `no tree row "${label}" at level ${level}` },
  );
  await retry(() => browser.$(row).click());
}

/**
 * Calls moto's Secrets Manager the way the AWS SDK would (moto does not check
 * signatures), e.g. `moto("CreateSecret", { Name, SecretString })`.
 */
function moto(action, body) {
  return fetch("http://127.0.0.1:5000/", {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `secretsmanager.${action}`,
      Authorization:
        "AWS4-HMAC-SHA256 Credential=AKIAE2ETEST/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=0",
    },
    body: JSON.stringify(body),
  });
}

/**
 * On the Secrets managers page: adds an AWS Secrets Manager on moto named `alias`
 * (access key auth, the secret key a canary), tests it, and waits for its row.
 * `shots` names the screenshots to take after the test and after adding.
 */
async function addMotoManager(alias, shots = {}, open = () => chooseKind("AWS Secrets Manager")) {
  await open();
  await setValue(DIALOG, "Alias", alias);
  await select(DIALOG, "Sign in with", "value", "access_key");
  await setValue(DIALOG, "Access key ID", "AKIAE2ETEST");
  await setValue(DIALOG, "Secret access key", CANARY_KEY);
  await retry(() => browser.$(`${DIALOG}//summary[normalize-space()="Advanced"]`).click());
  await setValue(DIALOG, "Endpoint URL", "http://127.0.0.1:5000");
  await click(DIALOG, "Test");
  await browser.waitUntil(
    async () => (await browser.$('[data-testid="provider-check"]').getText().catch(() => "")).includes("Signed in as"),
    { timeout: 20000, timeoutMsg: "the provider test did not succeed" },
  );
  if (shots.tested) await shot(shots.tested);
  await click(DIALOG, "Add");
  await browser
    .$(`//tr[@data-testid="provider-row"][.//button[normalize-space()="${alias}"]]`)
    .waitForExist({ timeout: 10000 });
  if (shots.added) await shot(shots.added);
}

/** On the Connections page: a PostgreSQL connection as the test role, its password the reference typed in. */
async function createPgConnection(name, ref) {
  await nav("Connections");
  await heading(browser, "Connections");
  await newConnection("postgres");
  await setValue(DIALOG, "Name", name);
  await setValue(DIALOG, "Host", "127.0.0.1");
  await setValue(DIALOG, "Database", "latchkey_test");
  await setValue(DIALOG, "User", "latchkey_test");
  await click(DIALOG, "Use a secret");
  await setValue(DIALOG, "Password", ref);
  await browser.$(`${DIALOG}//*[@data-testid="password-chips"]`).waitForExist({ timeout: 5000 });
  await click(DIALOG, "Create connection");
}

/**
 * POSTs to the app's control API on a fresh connection (no keep-alive pool, as a curl in
 * a rotation script would): resolves to { status, body }, rejects when nothing listens.
 */
function postControlApi(port, path, token) {
  return new Promise((resolvePost, rejectPost) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        agent: false,
        headers: token ? { Authorization: `Bearer ${token}` } : {},
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => {
          body += chunk;
        });
        res.on("end", () => resolvePost({ status: res.statusCode, body }));
      },
    );
    req.on("error", rejectPost);
    req.end();
  });
}

/** Clicks "Test <name>" on the connection's row and waits for four green steps. */
async function testFourGreenSteps(name) {
  await browser.$(`//button[@aria-label="Test ${name}"]`).waitForExist({ timeout: 10000 });
  await browser.$(`//button[@aria-label="Test ${name}"]`).click();
  await browser.waitUntil(
    async () => (await browser.$('[data-testid="step-4"]').getAttribute("data-outcome").catch(() => "")) === "ok",
    { timeout: 30000, timeoutMsg: "step 4 did not pass" },
  );
  for (const n of [1, 2, 3, 4]) {
    assert.equal(await browser.$(`[data-testid="step-${n}"]`).getAttribute("data-outcome"), "ok", `step ${n}`);
  }
  assert.match(await browser.$('[data-testid="step-4"]').getText(), /current_user = latchkey_test/);
}

function filesContaining(dir, needle) {
  const hits = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) hits.push(...filesContaining(path, needle));
    else if (readFileSync(path).includes(needle)) hits.push(path);
  }
  return hits;
}

describe("Latchkey desktop window", () => {
  before(async () => {
    driver = spawn("tauri-driver", ["--port", "4444"], {
      stdio: ["ignore", "inherit", "inherit"],
      // The app checks every 2 s which managers' rotation watch is due (30 s normally).
      env: { ...process.env, LATCHKEY_KEYCHAIN_SERVICE: service, LATCHKEY_DATA_DIR: dataDir, LATCHKEY_WATCH_TICK_SECS: "2" },
    });
    await waitForDriver();
  });

  after(async () => {
    if (browser) await shot("zz-last-screen").catch(() => {});
    await browser?.deleteSession().catch(() => {});
    driver?.kill();
  });

  it("creates a project and a PostgreSQL connection, rejects bad input, and keeps the password in the keychain only", async () => {
    browser = await launch();
    await shot("01-connections-empty");

    // A project.
    await nav("Projects");
    await heading(browser, "Projects");
    await click("", "New project");
    await setValue(DIALOG, "Name", "Finance QA");
    await setValue(DIALOG, "Description", "Reporting databases");
    await shot("02-project-dialog");
    await click(DIALOG, "Create project");
    await browser.$('//td//button[normalize-space()="Finance QA"]').waitForExist({ timeout: 10000 });
    // An empty project name is refused inline.
    await click("", "New project");
    await click(DIALOG, "Create project");
    await browser.waitUntil(async () => (await fieldError(DIALOG, "Name")) !== null, { timeout: 5000 });
    assert.match(await fieldError(DIALOG, "Name"), /Enter a name/);
    await browser.keys("Escape");
    await shot("03-projects");

    // A connection, first with bad input.
    await nav("Connections");
    await heading(browser, "Connections");
    await newConnection("postgres");
    await click(DIALOG, "Create connection");
    await browser.waitUntil(async () => (await fieldError(DIALOG, "Name")) !== null, { timeout: 5000 });
    assert.match(await fieldError(DIALOG, "Name"), /Enter a name/);
    assert.match(await fieldError(DIALOG, "Host"), /required/);
    assert.match(await fieldError(DIALOG, "Password"), /required/);

    await setValue(DIALOG, "Name", "Billing DB");
    await select(DIALOG, "Project", "text", "Finance QA");
    await setValue(DIALOG, "Host", "db server.internal");
    await setValue(DIALOG, "Port", "70000");
    await setValue(DIALOG, "Database", "billing");
    await setValue(DIALOG, "User", "billing_app");
    await setValue(DIALOG, "Password", CANARY);
    await click(DIALOG, "Create connection");
    await browser.waitUntil(async () => (await fieldError(DIALOG, "Port")) !== null, { timeout: 5000 });
    assert.match(await fieldError(DIALOG, "Port"), /between 1 and 65535/);
    assert.match(await fieldError(DIALOG, "Host"), /must not contain spaces/);
    assert.equal(await fieldError(DIALOG, "Name"), null);
    await shot("04-connection-form-errors");

    await setValue(DIALOG, "Host", "db.finance.internal");
    await setValue(DIALOG, "Port", "5432");
    await select(DIALOG, "SSL mode", "value", "require");
    await shot("05-connection-form-filled");
    await click(DIALOG, "Create connection");
    await browser.$('[data-testid="connection-row"]').waitForExist({ timeout: 10000 });
    await shot("06-connections-list");

    // Nothing half-saved: the refused attempt left exactly one connection.
    assert.equal((await browser.$$('[data-testid="connection-row"]')).length, 1);

    // A duplicate name is refused inline.
    await newConnection("postgres");
    await setValue(DIALOG, "Name", "billing db");
    await setValue(DIALOG, "Host", "other.internal");
    await setValue(DIALOG, "Database", "x");
    await setValue(DIALOG, "User", "x");
    await setValue(DIALOG, "Password", "another-password");
    await click(DIALOG, "Create connection");
    await browser.waitUntil(async () => (await fieldError(DIALOG, "Name")) !== null, { timeout: 5000 });
    assert.match(await fieldError(DIALOG, "Name"), /already exists/);
    await browser.keys("Escape");

    // Editing shows the password as stored, never its value.
    await browser.$('//td//button[normalize-space()="Billing DB"]').click();
    await browser.$(`${DIALOG}//*[@data-testid="password-stored"]`).waitForExist({ timeout: 5000 });
    await shot("07-connection-edit");
    await browser.keys("Escape");

    await nav("Secrets managers");
    await heading(browser, "Secrets managers");
    await shot("08-secrets-managers");
    await nav("Audit");
    await heading(browser, "Audit log");
    await browser.$("//td[normalize-space()='connection.created']").waitForExist({ timeout: 5000 });
    await shot("09-audit");
    await nav("Settings");
    await heading(browser, "Settings");
    await browser.waitUntil(async () => (await browser.$('[data-testid="secrets-mode"]').getText()) === "Workspace");
    await shot("10-settings-light");
    await click("", "Dark");
    await shot("11-settings-dark");
    await nav("Connections");
    await heading(browser, "Connections");
    await browser.$('[data-testid="connection-row"]').waitForExist({ timeout: 5000 });
    await shot("12-connections-dark");
    await click("", "New connection");
    await browser.$('[data-testid="type-chooser"]').waitForExist({ timeout: 5000 });
    await shot("13-connection-types-dark");
    await retry(() => browser.$(`${DIALOG}//button[@data-kind="postgres"]`).click());
    await shot("13b-connection-form-dark");
    await browser.keys("Escape");
    // The secrets-manager chooser and one kind's setup dialog, drawn from its declaration.
    await nav("Secrets managers");
    await heading(browser, "Secrets managers");
    await click("", "Add secrets manager");
    await browser.$(`${DIALOG}//span[@class="kind-card-title"]`).waitForExist({ timeout: 5000 });
    await shot("15-manager-kinds-dark");
    await retry(() =>
      browser.$(`${DIALOG}//button[.//span[@class="kind-card-title"][normalize-space()="Azure Key Vault"]]`).click(),
    );
    await select(DIALOG, "Sign in with", "value", "client_certificate");
    await browser.$('[data-testid="azure-permissions"]').waitForExist({ timeout: 5000 });
    await shot("16-azure-dialog-dark");
    await browser.keys("Escape");
    await nav("Settings");
    await click("", "Light");

    // Quit and relaunch: the connection is still there.
    await browser.deleteSession();
    browser = await launch();
    const row = await browser.$('[data-testid="connection-row"]');
    await row.waitForExist({ timeout: 10000 });
    // innerText, as rendered: WebKit's WebDriver leaves out the text of cells that clip
    // their overflow (the truncated target, the two-line name) from getText().
    const text = await row.getProperty("innerText");
    assert.match(text, /Billing DB/);
    const target = await row.$('[data-testid="connection-target"]').getAttribute("title");
    assert.equal(target, "billing_app@db.finance.internal:5432/billing");
    assert.match(text, /Finance QA/);
    assert.match(text, /Keychain/);
    await shot("14-after-relaunch");
    const dom = await browser.getPageSource();
    assert.ok(!dom.includes(CANARY), "the password reached the DOM");
    await browser.deleteSession();
    browser = undefined;

    // The password is in the OS keychain…
    const stored = execFileSync("secret-tool", ["search", "--all", "service", service], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    assert.ok(stored.includes(CANARY), "the password is not in the Secret Service");
    // …and nowhere in the data directory: SQLite, its WAL, the logs.
    const names = readdirSync(dataDir);
    assert.ok(names.includes("latchkey.db"), `no database in ${dataDir}: ${names}`);
    assert.ok(readdirSync(join(dataDir, "logs")).length > 0, "no log file was written");
    assert.deepEqual(filesContaining(dataDir, CANARY), []);
  });

  it("connects AWS Secrets Manager (moto), picks a secret from the tree, and passes all four test steps", async () => {
    // Seed moto the way the AWS SDK would (moto does not check signatures).
    const root = `e2e-${Date.now()}`;
    const secret = `${root}/billing/db`;
    const pgPassword = "latchkey-test-pw"; // the test role scripts/services.sh creates
    const seed = await moto("CreateSecret", {
      Name: secret,
      Description: "Billing database owner",
      SecretString: JSON.stringify({ username: "latchkey_test", password: pgPassword }),
    });
    assert.equal(seed.status, 200, await seed.text());

    browser = await launch();
    await nav("Secrets managers");
    await heading(browser, "Secrets managers");
    await addMotoManager("moto", { tested: "20-aws-provider-tested", added: "21-secrets-managers" });

    await nav("Connections");
    await heading(browser, "Connections");
    await newConnection("postgres");
    await setValue(DIALOG, "Name", "Billing from AWS");
    await setValue(DIALOG, "Host", "127.0.0.1");
    await setValue(DIALOG, "Database", "latchkey_test");
    await setValue(DIALOG, "User", "latchkey_test");
    await click(DIALOG, "Use a secret");
    await click(DIALOG, "Browse…");
    const PICKER = '(//div[@role="dialog"])[last()]';
    // Open the tree without the filter: the run's folder, its subfolder, the secret, then
    // the JSON key under the secret (the key of its current value).
    await clickTreeItem(PICKER, `${root}/`, 1);
    await clickTreeItem(PICKER, "billing/", 2);
    await clickTreeItem(PICKER, "db", 3);
    await clickTreeItem(PICKER, "password", 4);
    await browser.waitUntil(
      async () =>
        (await browser.$('[data-testid="picker-reference"]').getAttribute("title")) === `secret://moto/${secret}#password`,
      { timeout: 10000, timeoutMsg: "the picked reference did not show" },
    );
    await shot("22-secret-picker");
    await click(PICKER, "Use this secret");
    await browser.$(`${DIALOG}//*[@data-testid="password-chips"]`).waitForExist({ timeout: 5000 });
    await shot("23-connection-with-secret");
    await click(DIALOG, "Create connection");
    await testFourGreenSteps("Billing from AWS");
    await shot("24-test-four-green-steps");

    const dom = await browser.getPageSource();
    for (const canary of [pgPassword, CANARY_KEY]) assert.ok(!dom.includes(canary), `${canary} reached the DOM`);
    await browser.deleteSession();
    browser = undefined;
    for (const canary of [pgPassword, CANARY_KEY]) assert.deepEqual(filesContaining(dataDir, canary), []);
  });

  it("connects HashiCorp Vault / OpenBao (AppRole), picks a KV v2 secret, and passes all four test steps", async () => {
    // scripts/services.sh seeds OpenBao on :8200 and writes the AppRole IDs here.
    const seeded = JSON.parse(
      readFileSync(join(process.env.TMPDIR || "/tmp", "latchkey-services", "vault.json"), "utf8"),
    );
    const { role_id: roleId, secret_id: secretId } = seeded.approle.billing;
    assert.ok(roleId && secretId, "vault.json has no approle.billing role_id / secret_id");
    const pgPassword = "latchkey-test-pw"; // secret/apps/billing/db#password, and the test role's password

    browser = await launch();
    await nav("Secrets managers");
    await heading(browser, "Secrets managers");
    await chooseKind("HashiCorp Vault / OpenBao");
    await setValue(DIALOG, "Alias", "bao");
    await setValue(DIALOG, "Server URL", "http://127.0.0.1:8200");
    await select(DIALOG, "Sign in with", "value", "app_role");
    await setValue(DIALOG, "Role ID", roleId);
    await setValue(DIALOG, "Secret ID", secretId);
    await click(DIALOG, "Test");
    await browser.waitUntil(
      async () => (await browser.$('[data-testid="provider-check"]').getText().catch(() => "")).includes("billing-read"),
      { timeout: 20000, timeoutMsg: "the Vault test did not show the billing-read policy" },
    );
    assert.match(await browser.$('[data-testid="provider-check"]').getText(), /Listing secrets works/);
    await shot("30-vault-provider-tested");
    await click(DIALOG, "Add");
    await browser
      .$('//tr[@data-testid="provider-row"][.//button[normalize-space()="bao"]]')
      .waitForExist({ timeout: 10000 });
    const baoRow = await browser.$('//tr[@data-testid="provider-row"][.//button[normalize-space()="bao"]]').getText();
    assert.match(baoRow, /http:\/\/127\.0\.0\.1:8200/);
    assert.match(baoRow, /AppRole/);

    await nav("Connections");
    await heading(browser, "Connections");
    await newConnection("postgres");
    await setValue(DIALOG, "Name", "Billing from Vault");
    await setValue(DIALOG, "Host", "127.0.0.1");
    await setValue(DIALOG, "Database", "latchkey_test");
    await setValue(DIALOG, "User", "latchkey_test");
    await click(DIALOG, "Use a secret");
    await click(DIALOG, "Browse…");
    const PICKER = '(//div[@role="dialog"])[last()]';
    await retry(() =>
      browser.$(`${PICKER}//select[@aria-label="Secrets manager"]`).selectByVisibleText("bao (HashiCorp Vault / OpenBao)"),
    );
    // The top of the tree is the KV mounts the token can see.
    await browser
      .$(`${PICKER}//div[@role="treeitem"][@aria-level="1"][@data-kind="folder"][.//span[@class="tree-label"][normalize-space()="secret/"]]`)
      .waitForExist({ timeout: 15000 });
    // The seeded billing-read policy grants LIST on secret/metadata/apps/ and below, not on
    // secret/metadata/ itself, so opening secret/ in the tree would show the policy denial.
    // The filter goes straight to secret/apps/, whose folders open like the tree's.
    await retry(async () => {
      const filter = await browser.$(`${PICKER}//input[@type="search"]`);
      await filter.clearValue();
      await filter.setValue("secret/apps/");
    });
    await clickTreeItem(PICKER, "secret/apps/billing/", 1);
    await clickTreeItem(PICKER, "db", 2);
    await clickTreeItem(PICKER, "password", 3);
    await browser.waitUntil(
      async () =>
        (await browser.$('[data-testid="picker-reference"]').getAttribute("title")) ===
        "secret://bao/secret/apps/billing/db#password",
      { timeout: 10000, timeoutMsg: "the picked Vault reference did not show" },
    );
    await shot("31-vault-picker");
    await click(PICKER, "Use this secret");
    await browser.$(`${DIALOG}//*[@data-testid="password-chips"]`).waitForExist({ timeout: 5000 });
    await click(DIALOG, "Create connection");
    await testFourGreenSteps("Billing from Vault");
    await shot("32-vault-test-green");

    const dom = await browser.getPageSource();
    for (const canary of [pgPassword, secretId]) assert.ok(!dom.includes(canary), "a Vault canary reached the DOM");
    await browser.deleteSession();
    browser = undefined;
    // The secret ID is in the OS keychain, and neither canary is in the data directory.
    const stored = execFileSync("secret-tool", ["search", "--all", "service", service], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    assert.ok(stored.includes(secretId), "the AppRole secret ID is not in the Secret Service");
    for (const canary of [pgPassword, secretId]) assert.deepEqual(filesContaining(dataDir, canary), []);
  });

  it("refreshes a connection after its secret rotates on moto, and switches the control API on and off", async () => {
    // A secret on moto with the test role's password, read through a manager of its own.
    const secret = `e2e-${Date.now()}/orders/db`;
    const pgPassword = "latchkey-test-pw"; // the test role scripts/services.sh creates
    const value = JSON.stringify({ username: "latchkey_test", password: pgPassword });
    const alias = "moto-rotation";
    const name = "Orders rotation";
    const created = await moto("CreateSecret", { Name: secret, SecretString: value });
    assert.equal(created.status, 200, await created.clone().text());
    const oldVersion = (await created.json()).VersionId;
    assert.ok(oldVersion, "moto's CreateSecret returned no VersionId");

    browser = await launch();
    await nav("Secrets managers");
    await heading(browser, "Secrets managers");
    await addMotoManager(alias);

    // A connection whose password is the secret's JSON key, typed in as a reference.
    await createPgConnection(name, `secret://${alias}/${secret}#password`);
    // The test fetches the secret, which fills the cache with its current version.
    await testFourGreenSteps(name);
    await click(DIALOG, "Close");
    await browser.$(DIALOG).waitForExist({ reverse: true, timeout: 5000 });

    // Rotate: a new version with the same password, so the connection keeps working.
    const rotated = await moto("PutSecretValue", {
      SecretId: secret,
      ClientRequestToken: randomUUID(),
      SecretString: value,
    });
    assert.equal(rotated.status, 200, await rotated.clone().text());
    const newVersion = (await rotated.json()).VersionId;
    assert.ok(newVersion && newVersion !== oldVersion, `no new version (${oldVersion} → ${newVersion})`);

    // The row's Refresh sees the new version.
    await retry(() => browser.$(`//button[@aria-label="Refresh ${name}"]`).click());
    const ITEM = `${DIALOG}//li[@data-testid="refresh-item"]`;
    await browser.$(ITEM).waitForExist({ timeout: 30000, timeoutMsg: "no refresh results" });
    assert.equal(await browser.$(ITEM).getAttribute("data-outcome"), "rotated");
    assert.equal(await browser.$(`${ITEM}//*[@data-testid="refresh-outcome"]`).getText(), "Rotated");
    const detail = await browser.$(ITEM).getText();
    assert.ok(detail.includes(`${oldVersion} → ${newVersion}`), `no "old → new" in: ${detail}`);
    assert.match(await browser.$('[data-testid="refresh-summary"]').getText(), /1 rotated · 0 failed/);
    await shot("40-refresh-results");
    await click(DIALOG, "Close");
    await browser.$(DIALOG).waitForExist({ reverse: true, timeout: 5000 });
    const badge = `//tr[@data-testid="connection-row"][.//button[normalize-space()="${name}"]]//*[@data-testid="rotated-badge"]`;
    await browser.$(badge).waitForExist({ timeout: 10000, timeoutMsg: "no rotated badge on the row" });
    // "rotated just now" at first, "rotated 2 min ago" later.
    assert.match(await browser.$(badge).getText(), /^rotated (just now|.+ ago)$/);
    await shot("41-rotated-badge");

    // Settings › Automation: on at 127.0.0.1:47999, a call with the token, then off.
    await nav("Settings");
    await heading(browser, "Settings");
    const AUTO = '//section[@data-testid="control-api"]';
    const status = () => browser.$('[data-testid="control-api-status"]').getText().catch(() => "");
    const toggle = () => retry(() => browser.$(`${AUTO}//button[@role="switch"]`).click());
    await browser.waitUntil(async () => (await status()) === "Off", {
      timeout: 10000,
      timeoutMsg: "the control API is not shown as off",
    });
    await setValue(AUTO, "Port", "47999");
    await toggle();
    await browser.waitUntil(async () => (await status()) === "Listening on 127.0.0.1:47999", {
      timeout: 10000,
      timeoutMsg: "the control API does not listen on 127.0.0.1:47999",
    });
    assert.equal(await browser.$(`${AUTO}//button[@role="switch"]`).getAttribute("aria-checked"), "true");
    await browser.execute((xpath) => {
      const el = document.evaluate(xpath, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
      el?.scrollIntoView({ block: "start" });
    }, AUTO);
    await shot("42-control-api");

    // It answers a script: refused without the token, clears the cache with it.
    const clearCache = "/api/secrets_management/clear_cache";
    assert.equal((await postControlApi(47999, clearCache)).status, 401);
    await click(AUTO, "Show token");
    const tokenField = `${AUTO}//input[@data-testid="control-api-token"]`;
    await browser.$(tokenField).waitForExist({ timeout: 10000 });
    const token = await browser.$(tokenField).getValue();
    assert.match(token, /^lk_/);
    const cleared = await postControlApi(47999, clearCache, token);
    assert.equal(cleared.status, 200, cleared.body);
    assert.deepEqual(JSON.parse(cleared.body), { success: true });
    await click(AUTO, "Hide");
    await browser.$(tokenField).waitForExist({ reverse: true, timeout: 5000 });
    assert.ok(!(await browser.getPageSource()).includes(token), "the token stayed in the DOM after Hide");

    await toggle();
    await browser.waitUntil(async () => (await status()) === "Off", {
      timeout: 10000,
      timeoutMsg: "the control API did not turn off",
    });
    await browser.waitUntil(
      () =>
        postControlApi(47999, clearCache).then(
          () => false,
          () => true,
        ),
      { timeout: 5000, timeoutMsg: "the control API still answers on :47999 after turning it off" },
    );

    const dom = await browser.getPageSource();
    for (const canary of [pgPassword, CANARY_KEY]) assert.ok(!dom.includes(canary), `${canary} reached the DOM`);
    await browser.deleteSession();
    browser = undefined;
    for (const canary of [pgPassword, CANARY_KEY, token]) assert.deepEqual(filesContaining(dataDir, canary), []);
  });

  it("switches to project mode through the preview, tests a connection through a project's own manager, and switches back", async () => {
    const secret = `e2e-${Date.now()}/finance/db`;
    const pgPassword = "latchkey-test-pw";
    const created = await moto("CreateSecret", {
      Name: secret,
      SecretString: JSON.stringify({ username: "latchkey_test", password: pgPassword }),
    });
    assert.equal(created.status, 200, await created.clone().text());
    const alias = "fin-moto";
    const name = "Finance ledger";

    browser = await launch();
    await nav("Settings");
    await heading(browser, "Settings");
    const badge = () => browser.$('[data-testid="mode-badge"]').getText().catch(() => "");
    await browser.waitUntil(async () => (await badge()).includes("Workspace mode"), {
      timeout: 10000,
      timeoutMsg: "Settings does not show workspace mode",
    });
    await shot("50-secrets-mode");

    /** Opens the preview, waits for its dry run, confirms, and waits for the new mode. */
    async function switchThroughPreview(to, shotName) {
      await retry(() => browser.$('[data-testid="mode-switch"]').click());
      await browser.$('[data-testid="mode-summary"]').waitForExist({ timeout: 60000, timeoutMsg: "no preview" });
      const rows = await browser.$$('[data-testid="mode-reference"]');
      assert.ok(rows.length > 0, "the preview lists no reference");
      await shot(shotName);
      const understand = await browser.$('[data-testid="mode-understand"]');
      if (await understand.isExisting()) await understand.click();
      await retry(() => browser.$('[data-testid="mode-confirm"]').click());
      await browser.$('[data-testid="mode-dialog"]').waitForExist({ reverse: true, timeout: 30000 });
      await browser.waitUntil(async () => (await badge()).includes(to), {
        timeout: 10000,
        timeoutMsg: `the mode did not become "${to}"`,
      });
    }

    // The preview lists the references (earlier tests made some), each with its result.
    await switchThroughPreview("Project mode", "51-mode-preview-to-project");
    await shot("52-project-mode");

    // Finance QA gets its own manager; the AWS form shows the project's external ID.
    await nav("Secrets managers");
    await heading(browser, "Secrets managers");
    const group = '//*[@data-testid="provider-group"][@data-project="Finance QA"]';
    await browser.$(group).waitForExist({ timeout: 10000, timeoutMsg: "no group for Finance QA" });
    const openForFinance = async () => {
      await retry(() => browser.$(`${group}//*[@data-testid="add-provider"]`).click());
      await retry(() =>
        browser
          .$(`${DIALOG}//button[.//span[@class="kind-card-title"][normalize-space()="AWS Secrets Manager"]]`)
          .click(),
      );
      await select(DIALOG, "Sign in with", "value", "assume_role");
      await browser.$('[data-testid="external-id"]').waitForExist({ timeout: 5000 });
      const financeId = await browser.$('[data-testid="external-id"]').getText();
      assert.match(financeId, /^latchkey-[0-9a-f]{32}$/);
      assert.ok((await browser.$(DIALOG).getText()).includes("Finance QA"), "the form does not name the project");
      await shot("53-aws-project-external-id");
    };
    await addMotoManager(alias, { added: "54-project-managers" }, openForFinance);

    // A connection of Default cannot use Finance QA's manager; one of Finance QA can.
    await nav("Connections");
    await heading(browser, "Connections");
    await newConnection("postgres");
    await setValue(DIALOG, "Name", name);
    await select(DIALOG, "Project", "text", "Default");
    await setValue(DIALOG, "Host", "127.0.0.1");
    await setValue(DIALOG, "Database", "latchkey_test");
    await setValue(DIALOG, "User", "latchkey_test");
    await click(DIALOG, "Use a secret");
    await setValue(DIALOG, "Password", `secret://${alias}/${secret}#password`);
    await click(DIALOG, "Create connection");
    await browser.waitUntil(async () => ((await fieldError(DIALOG, "Password")) ?? "").includes("Finance QA"), {
      timeout: 10000,
      timeoutMsg: "no error naming the other project's manager",
    });
    assert.match(await fieldError(DIALOG, "Password"), /its own project/);
    await shot("55-cross-project-refused");
    await select(DIALOG, "Project", "text", "Finance QA");
    await click(DIALOG, "Create connection");
    await testFourGreenSteps(name);
    await shot("56-project-manager-test");
    await click(DIALOG, "Close");
    await browser.$(DIALOG).waitForExist({ reverse: true, timeout: 5000 });

    // The project's page lists its own manager.
    await nav("Projects");
    await heading(browser, "Projects");
    await browser.waitUntil(async () => (await browser.$("main").getText()).includes(alias), {
      timeout: 10000,
      timeoutMsg: "the Projects page does not list Finance QA's manager",
    });
    await shot("57-projects-project-mode");

    // Back to workspace mode: the preview proposes Finance QA's manager for the
    // workspace, so the connection keeps working.
    // (in the dark theme, to see the dialog in both)
    await nav("Settings");
    await heading(browser, "Settings");
    await click("", "Dark");
    await switchThroughPreview("Workspace mode", "58-mode-preview-to-workspace-dark");
    await click("", "Light");
    await nav("Connections");
    await heading(browser, "Connections");
    await testFourGreenSteps(name);
    await click(DIALOG, "Close");

    const dom = await browser.getPageSource();
    for (const canary of [pgPassword, CANARY_KEY]) assert.ok(!dom.includes(canary), `${canary} reached the DOM`);
    await browser.deleteSession();
    browser = undefined;
    for (const canary of [pgPassword, CANARY_KEY]) assert.deepEqual(filesContaining(dataDir, canary), []);
  });

  it("connects Azure Key Vault (local vault, Entra ID app), picks a secret from the grouped tree, and passes all four test steps", async () => {
    const server = process.env.LATCHKEY_KEYVAULT;
    assert.ok(server && existsSync(server), `LATCHKEY_KEYVAULT must point at latchkey-keyvault (got ${server})`);
    const clientSecret = `canary-azure-${Math.random().toString(36).slice(2, 10)}`;
    const infoFile = join(mkdtempSync(join(tmpdir(), "latchkey-kv-")), "info.json");
    const vault = spawn(server, ["--info", infoFile, "--client-secret", clientSecret], { stdio: "inherit" });
    try {
      for (let i = 0; i < 100 && !existsSync(infoFile); i++) await new Promise((r) => setTimeout(r, 100));
      const kv = JSON.parse(readFileSync(infoFile, "utf8"));
      const pgPassword = "latchkey-test-pw"; // app-billing-db#password in the seed
      const name = "Billing from Key Vault";

      browser = await launch();
      await nav("Secrets managers");
      await heading(browser, "Secrets managers");
      await chooseKind("Azure Key Vault");
      await setValue(DIALOG, "Alias", "kv");
      await setValue(DIALOG, "Vault URL", kv.url);
      await select(DIALOG, "Sign in with", "value", "client_secret");
      await setValue(DIALOG, "Tenant ID", kv.tenant_id);
      await setValue(DIALOG, "Client ID", kv.client_id);
      await setValue(DIALOG, "Client secret", clientSecret);
      await select(DIALOG, "Group the tree", "value", "separator");
      await setValue(DIALOG, "Separator", "-");
      await retry(() => browser.$(`${DIALOG}//summary[normalize-space()="Advanced"]`).click());
      await setValue(DIALOG, "Authority host", kv.authority_host);
      await setValue(DIALOG, "CA certificate", kv.ca_path);
      assert.match(await browser.$('[data-testid="azure-permissions"]').getText(), /Key Vault Secrets User/);
      await click(DIALOG, "Test");
      await browser.waitUntil(
        async () => (await browser.$('[data-testid="provider-check"]').getText().catch(() => "")).includes(kv.client_id),
        { timeout: 30000, timeoutMsg: "the Azure provider test did not succeed" },
      );
      await shot("60-azure-provider-tested");
      await click(DIALOG, "Add");
      await browser
        .$('//tr[@data-testid="provider-row"][.//button[normalize-space()="kv"]]')
        .waitForExist({ timeout: 10000 });
      await shot("61-azure-secrets-managers");

      await nav("Connections");
      await heading(browser, "Connections");
      await newConnection("postgres");
      await setValue(DIALOG, "Name", name);
      await setValue(DIALOG, "Host", "127.0.0.1");
      await setValue(DIALOG, "Database", "latchkey_test");
      await setValue(DIALOG, "User", "latchkey_test");
      await click(DIALOG, "Use a secret");
      await click(DIALOG, "Browse…");
      const PICKER = '(//div[@role="dialog"])[last()]';
      await retry(() =>
        browser.$(`${PICKER}//select[@aria-label="Secrets manager"]`).selectByVisibleText("kv (Azure Key Vault)"),
      );
      // Names split on "-": app/ → billing/ → db, then the JSON key.
      await clickTreeItem(PICKER, "app/", 1);
      await clickTreeItem(PICKER, "billing/", 2);
      await clickTreeItem(PICKER, "db", 3);
      await clickTreeItem(PICKER, "password", 4);
      await browser.waitUntil(
        async () =>
          (await browser.$('[data-testid="picker-reference"]').getAttribute("title")) ===
          "secret://kv/app-billing-db#password",
        { timeout: 10000, timeoutMsg: "the picked Key Vault reference did not show" },
      );
      await shot("62-azure-picker");
      await click(PICKER, "Use this secret");
      await browser.$(`${DIALOG}//*[@data-testid="password-chips"]`).waitForExist({ timeout: 5000 });
      await click(DIALOG, "Create connection");
      await testFourGreenSteps(name);
      await shot("63-azure-test-four-green-steps");
      await click(DIALOG, "Close");

      const dom = await browser.getPageSource();
      for (const canary of [pgPassword, clientSecret]) assert.ok(!dom.includes(canary), `${canary} reached the DOM`);
      await browser.deleteSession();
      browser = undefined;
      for (const canary of [pgPassword, clientSecret]) assert.deepEqual(filesContaining(dataDir, canary), []);
    } finally {
      vault.kill();
    }
  });

  it("builds Redis and SSH connections from the catalogue: every type's form, a Redis ACL login from Vault, SSH trust on first use", async () => {
    const run = join(process.env.TMPDIR || "/tmp", "latchkey-services");
    const fingerprint = readFileSync(join(run, "ssh", "host_fingerprint"), "utf8").trim();
    const privateKey = readFileSync(join(run, "ssh", "id_ed25519"), "utf8");
    const keyCanary = privateKey.split("\n")[2]; // a line from the key's body
    const redisPassword = "latchkey-redis-acl-pw";
    // The credentials live in OpenBao (written with the dev server's root token, as an operator would).
    execFileSync("curl", [
      "-sS", "--fail-with-body", "-X", "POST", "-H", "X-Vault-Token: root",
      "--data-binary", JSON.stringify({ data: { redis: redisPassword, private_key: privateKey } }),
      "http://127.0.0.1:8200/v1/secret/data/e2e/targets",
    ]);

    browser = await launch();
    await nav("Secrets managers");
    await heading(browser, "Secrets managers");
    await chooseKind("HashiCorp Vault / OpenBao");
    await setValue(DIALOG, "Alias", "ops-bao");
    await setValue(DIALOG, "Server URL", "http://127.0.0.1:8200");
    await select(DIALOG, "Sign in with", "value", "token");
    await setValue(DIALOG, "Token", "root");
    await click(DIALOG, "Add");
    await browser
      .$('//tr[@data-testid="provider-row"][.//button[normalize-space()="ops-bao"]]')
      .waitForExist({ timeout: 10000 });

    // Every type's form, generated from its declaration.
    await nav("Connections");
    await heading(browser, "Connections");
    await click("", "New connection");
    await browser.$('[data-testid="type-chooser"]').waitForExist({ timeout: 5000 });
    const kinds = await browser.$$(`${DIALOG}//button[@data-kind]`).map((b) => b.getAttribute("data-kind"));
    assert.deepEqual(kinds, ["postgres", "mysql", "redis", "http", "jira", "s3", "ssh", "smtp"]);
    await shot("70-connection-types");
    await browser.keys("Escape");
    for (const kind of kinds) {
      await newConnection(kind);
      await shot(`71-form-${kind}`);
      await browser.keys("Escape");
    }
    // HTTP: the fields follow the chosen auth scheme.
    await newConnection("http");
    await select(DIALOG, "Authentication", "value", "oauth2");
    await byLabel(DIALOG, "Token URL").then((el) => el.waitForExist({ timeout: 5000 }));
    assert.equal(await browser.$(`${DIALOG}//*[@name="token"]`).isExisting(), false, "the bearer token field stays hidden");
    await shot("71-form-http-oauth2");
    await browser.keys("Escape");

    // Redis: an ACL user whose password comes from Vault.
    await newConnection("redis");
    await setValue(DIALOG, "Name", "Sessions cache");
    await setValue(DIALOG, "Host", "127.0.0.1");
    await setValue(DIALOG, "Port", "6390");
    await setValue(DIALOG, "ACL user", "latchkey_app");
    await click(DIALOG, "Use a secret");
    await retry(async () => {
      const ref = await browser.$(`${DIALOG}//input[@name="password_reference"]`);
      await ref.setValue("secret://ops-bao/secret/e2e/targets#redis");
    });
    await click(DIALOG, "Create connection");
    await browser.$('//button[@aria-label="Test Sessions cache"]').waitForExist({ timeout: 10000 });
    await browser.$('//button[@aria-label="Test Sessions cache"]').click();
    await browser.waitUntil(
      async () => (await browser.$('[data-testid="step-4"]').getAttribute("data-outcome").catch(() => "")) === "ok",
      { timeout: 30000, timeoutMsg: "the Redis test did not pass step 4" },
    );
    assert.match(await browser.$('[data-testid="step-4"]').getText(), /ACL WHOAMI → latchkey_app/);
    await shot("72-redis-test-green");
    await click(DIALOG, "Close");

    // SSH: the private key from Vault; no host key pinned yet, so the first test shows the
    // server's fingerprint and asks; trusting it saves the pin and the test passes.
    await newConnection("ssh");
    await setValue(DIALOG, "Name", "Bastion");
    await setValue(DIALOG, "Host", "127.0.0.1");
    await setValue(DIALOG, "Port", "2222");
    await setValue(DIALOG, "User", "latchkey-ssh");
    await retry(() => browser.$(`(${DIALOG}//button[normalize-space()="Use a secret"])[1]`).click());
    await retry(async () => {
      const ref = await browser.$(`${DIALOG}//input[@name="private_key_reference"]`);
      await ref.setValue("secret://ops-bao/secret/e2e/targets#private_key");
    });
    await shot("73-ssh-form-filled");
    await click(DIALOG, "Create connection");
    await browser.$('//button[@aria-label="Test Bastion"]').waitForExist({ timeout: 10000 });
    await browser.$('//button[@aria-label="Test Bastion"]').click();
    await browser.$('[data-testid="step-offer"]').waitForExist({ timeout: 30000 });
    assert.equal(await browser.$('[data-testid="step-3"]').getAttribute("data-outcome"), "failed");
    assert.ok((await browser.$('[data-testid="step-offer"]').getText()).includes(fingerprint), "the offer shows the fingerprint");
    await shot("74-ssh-trust-offer");
    await browser.$('[data-testid="offer-accept"]').click();
    await browser.waitUntil(
      async () => (await browser.$('[data-testid="step-4"]').getAttribute("data-outcome").catch(() => "")) === "ok",
      { timeout: 30000, timeoutMsg: "the SSH test did not pass after trusting the key" },
    );
    assert.match(await browser.$('[data-testid="step-4"]').getText(), /uid=\d+\(latchkey-ssh\)/);
    assert.match(await browser.$('[data-testid="step-3"]').getText(), /matches the pinned fingerprint/);
    await shot("75-ssh-test-green");
    await click(DIALOG, "Close");
    // The pin is saved with the connection.
    await browser.$('//td//button[normalize-space()="Bastion"]').click();
    await retry(async () => assert.equal(await (await byLabel(DIALOG, "Host key fingerprint")).getValue(), fingerprint));
    await browser.keys("Escape");

    const dom = await browser.getPageSource();
    for (const canary of [redisPassword, keyCanary]) assert.ok(!dom.includes(canary), "a credential reached the DOM");
    await browser.deleteSession();
    browser = undefined;
    for (const canary of [redisPassword, keyCanary]) assert.deepEqual(filesContaining(dataDir, canary), []);
  });

  it("marks a secret rotated upstream in the inventory after the background watch looks, clicks through to its connection, and reveals a value that hides itself", async () => {
    const cli = process.env.LATCHKEY_CLI;
    assert.ok(cli && existsSync(cli), `LATCHKEY_CLI must point at the built latchkey binary (got ${cli})`);
    const secret = `e2e-${Date.now()}/inventory/db`;
    const pgPassword = "latchkey-test-pw";
    const value = JSON.stringify({ username: "latchkey_test", password: pgPassword });
    const alias = "moto-watch";
    const name = "Inventory watch";
    const created = await moto("CreateSecret", { Name: secret, SecretString: value });
    assert.equal(created.status, 200, await created.clone().text());

    browser = await launch();
    await nav("Secrets managers");
    await heading(browser, "Secrets managers");
    await addMotoManager(alias);
    await createPgConnection(name, `secret://${alias}/${secret}#password`);
    await testFourGreenSteps(name);
    await click(DIALOG, "Close");
    await browser.$(DIALOG).waitForExist({ reverse: true, timeout: 5000 });

    // The watch of this manager looks every 10 s (shortened for the test, through the
    // CLI on the same workspace while the app runs; the app checks every 2 s what is due).
    execFileSync(cli, ["--data-dir", dataDir, "providers", "edit", alias, "--watch-interval", "10"], {
      env: { ...process.env, LATCHKEY_KEYCHAIN_SERVICE: service },
      stdio: "pipe",
    });

    // The inventory shows it in use, unchanged.
    await nav("Secrets");
    await heading(browser, "Secrets");
    const ROW = `//tr[@data-testid="inventory-row"][.//*[contains(normalize-space(), "${secret}")]]`;
    await browser.$(ROW).waitForExist({ timeout: 20000, timeoutMsg: "the secret is not in the inventory" });
    await shot("80-inventory");

    // A rotation outside Latchkey: the background watch finds it (metadata only).
    const rotated = await moto("PutSecretValue", { SecretId: secret, ClientRequestToken: randomUUID(), SecretString: value });
    assert.equal(rotated.status, 200, await rotated.clone().text());
    await browser.waitUntil(
      async () =>
        (await browser.$(`${ROW}//*[@data-testid="rotation-state"]`).getText().catch(() => "")).startsWith("Rotated upstream"),
      { timeout: 60000, interval: 1000, timeoutMsg: "the inventory never showed the rotation upstream" },
    );
    await shot("81-inventory-rotated-upstream");
    await nav("Settings");
    await heading(browser, "Settings");
    await click("", "Dark");
    await nav("Secrets");
    await heading(browser, "Secrets");
    await browser.$(ROW).waitForExist({ timeout: 20000 });
    await shot("81b-inventory-rotated-upstream-dark");
    await nav("Settings");
    await heading(browser, "Settings");
    await click("", "Light");
    await nav("Secrets");
    await heading(browser, "Secrets");
    await browser.$(ROW).waitForExist({ timeout: 20000 });

    // Click through to the connection: its status says rotated upstream.
    await retry(() => browser.$(`${ROW}//*[@data-testid="used-by-toggle"]`).click());
    await retry(() => browser.$(`${ROW}//*[@data-testid="used-by-link"]`).click());
    await heading(browser, "Connections");
    const CONN = `//tr[@data-testid="connection-row"][.//button[normalize-space()="${name}"]]`;
    await browser.$(`${CONN}[@data-highlighted]`).waitForExist({ timeout: 10000, timeoutMsg: "the connection is not highlighted" });
    assert.equal(await browser.$(`${CONN}//*[@data-testid="health"]`).getAttribute("data-health"), "rotated_upstream");
    await shot("82-connection-rotated-upstream");

    // Reveal: off by default, turned on in Settings › Secrets, then one value shown,
    // hidden again after 30 s.
    await nav("Settings");
    await heading(browser, "Settings");
    const SWITCH = '//section[@data-testid="secret-life"]//button[@data-testid="reveal-switch"]';
    assert.equal(await browser.$(SWITCH).getAttribute("aria-checked"), "false");
    await retry(() => browser.$(SWITCH).click());
    await browser.waitUntil(async () => (await browser.$(SWITCH).getAttribute("aria-checked")) === "true", {
      timeout: 10000,
      timeoutMsg: "reveal did not turn on",
    });
    await nav("Secrets");
    await heading(browser, "Secrets");
    await browser.$(`${ROW}//*[@data-testid="reveal"]`).waitForExist({ timeout: 20000 });
    await retry(() => browser.$(`${ROW}//*[@data-testid="reveal"]`).click());
    await browser.$(DIALOG).waitForExist({ timeout: 5000 });
    await select(DIALOG, "Value to reveal", "value", "password");
    await shot("83-reveal-confirm");
    await click(DIALOG, "Reveal");
    const SHOWN = '//*[@data-testid="revealed-value"]';
    await browser.$(SHOWN).waitForExist({ timeout: 15000, timeoutMsg: "the value was not revealed" });
    assert.equal(await browser.$(SHOWN).getText(), pgPassword);
    await shot("84-revealed");
    await browser.$(SHOWN).waitForExist({ reverse: true, timeout: 40000, timeoutMsg: "the value did not hide itself" });
    assert.ok(!(await browser.getPageSource()).includes(pgPassword), "the revealed value stayed in the DOM");

    // Audited with the OS user, never with the value.
    await nav("Audit");
    await heading(browser, "Audit log");
    await browser.$("//td[normalize-space()='secret.revealed']").waitForExist({ timeout: 10000 });
    await browser.$("//td[normalize-space()='secret.rotated_upstream']").waitForExist({ timeout: 10000 });
    await shot("85-audit-reveal");
    await browser.deleteSession();
    browser = undefined;
    assert.deepEqual(filesContaining(dataDir, pgPassword), [], "a value reached the database, its WAL or the logs");
  });
});
