// A Bolt for JavaScript app that answers /instances the way scnetbot does
// (ack first, then one SCNet list query, then a reply through response_url),
// so scnetbot's ack latency can be compared with Slack's official framework
// under the same load. It is written as Bolt's Socket Mode docs show.
//
// Environment:
//   SLACK_APP_TOKEN  app-level token (xapp-…)
//   SLACK_BOT_TOKEN  bot token (xoxb-…)
//   SLACK_API_URL    Web API base (Slack's by default); Socket Mode's
//                    apps.connections.open goes there too
//   SCNET_BASE_URL   SCNet AI base URL, e.g. https://…/ai
//   SCNET_TOKEN      SCNet region token
//   LOG_LEVEL        Bolt log level (info by default, as in production)
//   EXIT_ON_STDIN_EOF  1 to exit when stdin closes
//   ACK_ONLY         1 to ack and do nothing else, which shows how much of
//                    the ack latency is Bolt's own dispatch
'use strict';

const { App, LogLevel } = require('@slack/bolt');

const PAGE_SIZE = 10;

function env(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`${name} is missing`);
    process.exit(2);
  }
  return v;
}

const scnetBase = env('SCNET_BASE_URL').replace(/\/+$/, '');
const scnetToken = env('SCNET_TOKEN');
const ackOnly = process.env.ACK_ONLY === '1';

const app = new App({
  token: env('SLACK_BOT_TOKEN'),
  appToken: env('SLACK_APP_TOKEN'),
  socketMode: true,
  logLevel: LogLevel[(process.env.LOG_LEVEL || 'info').toUpperCase()] || LogLevel.INFO,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL || 'https://slack.com/api/' },
});

// parse reads "[status] [taskType] [page N]" the way scnetbot's list query
// does for the words this app knows.
function parse(text) {
  const words = (text || '').trim().toLowerCase().split(/\s+/).filter(Boolean);
  const q = { status: 'Running', taskType: 'ssh', page: 1 };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === 'running') q.status = 'Running';
    else if (w === 'failed') q.status = 'Failed';
    else if (w === 'ssh' || w === 'jupyter') q.taskType = w;
    else if (w === 'page' && i + 1 < words.length) q.page = Math.max(1, parseInt(words[++i], 10) || 1);
  }
  return q;
}

// escape makes SCNet's names safe for mrkdwn, as Slack asks.
function escape(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

async function listInstances(q) {
  const params = new URLSearchParams({
    status: q.status,
    taskType: q.taskType,
    start: String((q.page - 1) * PAGE_SIZE),
    limit: String(PAGE_SIZE),
    sort: 'desc',
  });
  const res = await fetch(`${scnetBase}/openapi/v2/instance-service/task?${params}`, {
    headers: { token: scnetToken },
    signal: AbortSignal.timeout(8000),
  });
  if (!res.ok) throw new Error(`SCNet answered HTTP ${res.status}`);
  const body = await res.json();
  if (body.code !== '0') throw new Error(`SCNet answered code ${body.code}`);
  return { total: body.total, list: body.data || [] };
}

app.command('/instances', async ({ command, ack, respond, logger }) => {
  await ack();
  if (ackOnly) return;
  const q = parse(command.text);
  try {
    const { total, list } = await listInstances(q);
    const lines = list.map((i) => `• *${escape(i.instanceServiceName)}* ${escape(i.status)} ${escape(i.taskType)}`);
    await respond({
      response_type: 'ephemeral',
      text: `${total} ${q.status} ${q.taskType} instances (page ${q.page})\n${lines.join('\n')}`,
    });
  } catch (err) {
    logger.error(`/instances failed: ${err.message}`);
    await respond({ response_type: 'ephemeral', text: 'SCNet could not be reached; try again.' });
  }
});

// The benchmark driver holds stdin open and sets EXIT_ON_STDIN_EOF; when the
// driver goes away, so does this app, so a killed run leaves nothing behind.
if (process.env.EXIT_ON_STDIN_EOF === '1') {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    app.stop().finally(() => process.exit(0));
  });
}

(async () => {
  await app.start();
  app.logger.info('Bolt app is running');
})();
