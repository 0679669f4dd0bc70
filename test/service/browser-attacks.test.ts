/**
 * A real browser (Debian's Chromium, headless, driven by playwright-core) attacks the token-less
 * loopback default: a page from another site tries to pause the agent (CSRF) and to read the
 * stream, and a rebound name (`evil.test` resolved to 127.0.0.1 by the browser) tries the service
 * directly. Every server listens on 127.0.0.1; `evil.test` exists only in the browser's resolver.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWith } from '../support/system-programs.js';
import { request, startServer, type Running } from '../support/server.js';

describeWith(['chromium'], 'a web page the operator opens, in a real browser', () => {
  let service: Running;
  let attacker: Server;
  let browser: Browser;
  let servicePort: number;
  let attackerPort: number;

  beforeAll(async () => {
    service = await startServer({ agents: { default: { volatility: { default: 1 } } } });
    servicePort = Number(new URL(service.url).port);
    await request('POST', `${service.url}/v1/agents/default/symbols/X/mid`, { mid: 100 });
    // the attacker's site: an empty page; the attacks are run in it by page.evaluate
    attacker = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>evil</title>'));
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerPort = (attacker.address() as AddressInfo).port;
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
      args: ['--host-resolver-rules=MAP evil.test 127.0.0.1', '--no-sandbox'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    attacker?.close();
    await service?.close();
  });

  const paused = async () => (await request('GET', `${service.url}/v1/agents/default`)).body.paused as boolean;

  it('a page on another site can neither pause the agent nor read the stream', async () => {
    const page = await browser.newPage();
    await page.goto(`http://evil.test:${attackerPort}/`);
    const target = `http://127.0.0.1:${servicePort}`;
    const outcome = await page.evaluate(async (base) => {
      const tries: Record<string, string> = {};
      // a simple request (no preflight): the browser sends it, the response is opaque to the page
      try {
        await fetch(`${base}/v1/agents/default/pause`, { method: 'POST', mode: 'no-cors' });
        tries.simple = 'sent';
      } catch (e) {
        tries.simple = `failed: ${String(e)}`;
      }
      try {
        await fetch(`${base}/v1/agents/default/pause`, { method: 'POST', mode: 'no-cors', body: '{}', headers: { 'content-type': 'text/plain' } });
        tries.textPlain = 'sent';
      } catch (e) {
        tries.textPlain = `failed: ${String(e)}`;
      }
      // with the JSON content type the browser must ask first (preflight), and the service grants nothing
      try {
        await fetch(`${base}/v1/agents/default/pause`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        tries.json = 'answered';
      } catch (e) {
        tries.json = `blocked: ${String(e)}`;
      }
      tries.ws = await new Promise<string>((resolve) => {
        const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/stream`);
        ws.onopen = () => {
          ws.send(JSON.stringify({ op: 'subscribe', agent: 'default', symbols: '*' }));
        };
        ws.onmessage = (m) => resolve(`read: ${String(m.data).slice(0, 40)}`);
        ws.onerror = () => resolve('refused');
        setTimeout(() => resolve('timeout'), 5_000);
      });
      return tries;
    }, target);
    await page.close();
    expect(outcome.json).toMatch(/^blocked/);
    expect(outcome.ws).toBe('refused');
    // the simple requests went out and were refused (415, or 403 for the foreign Origin): nothing changed
    expect(await paused()).toBe(false);
  }, 30_000);

  it('a form posted from another site does not pause the agent', async () => {
    const page = await browser.newPage();
    await page.goto(`http://evil.test:${attackerPort}/`);
    await page.setContent(`<form method="POST" enctype="text/plain" action="http://127.0.0.1:${servicePort}/v1/agents/default/pause"><input name="x" value="1"></form>`);
    const [response] = await Promise.all([page.waitForNavigation(), page.evaluate('document.forms[0].submit()')]);
    expect(response?.status()).toBe(403);
    await page.close();
    expect(await paused()).toBe(false);
  }, 30_000);

  it('a rebound name (DNS rebinding) gets nothing from the service', async () => {
    const page = await browser.newPage();
    const direct = await page.goto(`http://evil.test:${servicePort}/v1/agents`);
    expect(direct?.status()).toBe(403);
    expect(await direct?.json()).toMatchObject({ error: { code: 'HOST_NOT_ALLOWED' } });
    // (a page loaded before the rebinding sends the same Host with its same-origin requests: refused alike,
    // hostile-clients.test.ts row 5; Chromium's Private Network Access also keeps public pages off loopback)
    await page.close();
    expect(await paused()).toBe(false);
  }, 30_000);

  it('the service itself, opened on localhost, still works in the browser', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`http://localhost:${servicePort}/v1/agents`);
    expect(response?.status()).toBe(200);
    await page.close();
  }, 30_000);
});
