import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardRoutes } from './dashboard.js';

let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'audexly-dashboard-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>Audexly</title><div id="app"></div>');
  await writeFile(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('dashboard files', () => {
  it('serves the built index at / with its security headers, and hashed assets as immutable', async () => {
    const app = Fastify();
    await app.register(dashboardRoutes(dir));
    const index = await app.inject({ url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toMatch(/text\/html/);
    expect(index.body).toContain('<div id="app">');
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    expect(index.headers['content-security-policy']).toContain('media-src');
    const asset = await app.inject({ url: '/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    // No catch-all: unknown paths stay 404s for the API's own not-found handler.
    expect((await app.inject({ url: '/api/v1/nothing' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/assets/missing.js' })).statusCode).toBe(404);
    await app.close();
  });

  it('says how to build the dashboard when its files are missing, and the app still starts', async () => {
    const app = Fastify();
    await app.register(dashboardRoutes(join(dir, 'not-built')));
    const res = await app.inject({ url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain('The dashboard is not built');
    expect(res.body).toContain('npm run build');
    await app.close();
  });
});
