// The couple story, driven through openapi-fetch with types that openapi-typescript generates
// from openapi/openapi.json: proof that the document alone types a working client.
//
//   npm ci && npm run generate && npm run typecheck
//   ATTUNE_BASE_URL=http://127.0.0.1:8000 npm run story
//
// Exits non-zero at the first step that does not go as the API documents it.
import { randomUUID } from "node:crypto";

import createClient, { type Client } from "openapi-fetch";

import type { components, paths } from "./schema.js";

type Schemas = components["schemas"];
type Api = Client<paths>;
type Exercise = Schemas["Assignment"]["exercise"];

const baseUrl = process.env.ATTUNE_BASE_URL ?? "http://127.0.0.1:8000";
const password = "a long phrase only we know, 42";

function log(message: string): void {
  console.log(`typescript story: ${message}`);
}

function fail(message: string): never {
  throw new Error(message);
}

// openapi-fetch answers { data } for a 2xx and { error } otherwise; a step needs its status too.
function expect<T>(
  step: string,
  result: { data?: T; error?: unknown; response: Response },
  status: number,
): T {
  if (result.response.status !== status || result.data === undefined) {
    fail(`${step}: expected ${status}, got ${result.response.status}: ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

async function register(name: string): Promise<Api> {
  const anonymous = createClient<paths>({ baseUrl });
  const body: Schemas["Registration"] = {
    email: `${name.toLowerCase()}-${randomUUID().slice(0, 8)}@example.com`,
    password,
    display_name: name,
    timezone: "Europe/Paris",
  };
  const tokens = expect("register", await anonymous.POST("/v1/auth/register", { body }), 201);
  log(`registered ${name} as ${tokens.user.email}`);
  return createClient<paths>({
    baseUrl,
    headers: { Authorization: `Bearer ${tokens.access_token}` },
  });
}

async function link(inviter: Api, joiner: Api): Promise<Schemas["Couple"]> {
  const invite = expect("invite", await inviter.POST("/v1/couple/invite"), 201);
  const joined = await joiner.POST("/v1/couple/join", { body: { code: invite.code } });
  const couple = expect("join", joined, 201);
  log(`linked: couple ${couple.id} with partner ${couple.partner.display_name}`);
  return couple;
}

// A valid answer to any exercise type, built from the exercise's own fields.
function answerFor(exercise: Exercise, words: string): Schemas["AnswerSubmission"] {
  const id = randomUUID();
  switch (exercise.type) {
    case "open":
      return { id, content: { type: "open", text: words.slice(0, exercise.max_length) } };
    case "choice":
      return { id, content: { type: "choice", choices: [firstOption(exercise.options)] } };
    case "scale":
      return { id, content: { type: "scale", value: exercise.max } };
    case "guess": {
      const pick = firstOption(exercise.options);
      return { id, content: { type: "guess", pick, guess: pick } };
    }
    case "activity":
      return { id, content: { type: "activity", done: true, rating: 5, reflection: words } };
  }
}

function firstOption(options: Schemas["ExerciseOption"][]): string {
  return options[0]?.id ?? fail("an exercise with no options");
}

// GET /v1/sync when the served document has it. The path is typed only once it is in the
// committed document, so the story goes through an untyped view of the same client; it must
// compile whether or not the document has sync yet.
async function pullChanges(client: Api, answerIds: string[]): Promise<void> {
  const document = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  if (!document.paths["/v1/sync"]?.get) {
    log("sync: GET /v1/sync is not in the document; step skipped");
    return;
  }
  type Change = { entity: string; id: string };
  const untyped = client as unknown as {
    GET(path: string): Promise<{ data?: { changes: Change[] }; error?: unknown; response: Response }>;
  };
  const pulled = expect("sync", await untyped.GET("/v1/sync"), 200);
  const synced = new Set(pulled.changes.filter((c) => c.entity === "answer").map((c) => c.id));
  const missing = answerIds.filter((id) => !synced.has(id));
  if (missing.length > 0) fail(`sync: answers ${missing.join(", ")} missing from the changes`);
  log(`sync: ${pulled.changes.length} changes, both answers among them`);
}

// A note of thanks, shown to the partner at once, and their reaction to it.
async function appreciate(author: Api, partner: Api): Promise<void> {
  const body: Schemas["NewAppreciation"] = {
    id: randomUUID(),
    body: "Thank you for the walk on Sunday.",
  };
  const sent = expect("appreciation", await author.POST("/v1/appreciations", { body }), 201);
  const page = expect("appreciations", await partner.GET("/v1/appreciations"), 200);
  if (page.items[0]?.id !== sent.id) fail("the partner does not see the appreciation");
  const path = { appreciation_id: sent.id };
  const reacted = await partner.PUT("/v1/appreciations/{appreciation_id}/reaction", {
    params: { path },
    body: { emoji: "🥰" },
  });
  expect("appreciation reaction", reacted, 200);
  log(`appreciation: Robin reads "${page.items[0]?.body}" and reacts`);
}

// Both answer this month's pulse and share it: each sees the other's score in the trend.
async function pulseTrend(alex: Api, robin: Api, month: string): Promise<void> {
  const asked = expect("pulse questions", await alex.GET("/v1/pulse/questions"), 200);
  for (const [client, score] of [
    [alex, 4],
    [robin, 5],
  ] as const) {
    const body: Schemas["PulseSubmission"] = {
      answers: asked.questions.map((q) => ({ question_id: q.id, score })),
    };
    const put = await client.PUT("/v1/pulse/{month}", { params: { path: { month } }, body });
    expect("pulse", put, 201);
    expect("share", await client.PATCH("/v1/me", { body: { share_pulse: true } }), 200);
  }
  const stats = expect("stats", await alex.GET("/v1/couple/stats"), 200);
  const point = stats.pulse_trend.find((p) => p.month === month);
  if (point?.score !== 75 || point.partner_score !== 100) {
    fail(`pulse: expected 75 beside 100 for ${month}, got ${JSON.stringify(point)}`);
  }
  log(`pulse: ${month} is ${point.score} for Alex, ${point.partner_score} for Robin`);
}

async function main(): Promise<void> {
  const alex = await register("Alex");
  const robin = await register("Robin");
  const couple = await link(alex, robin);
  const me = expect("me", await alex.GET("/v1/me"), 200);
  if (me.couple_id !== couple.id) fail("GET /v1/me does not name the new couple");

  const today = expect("today", await alex.GET("/v1/today"), 200);
  const robinsToday = expect("today", await robin.GET("/v1/today"), 200);
  if (robinsToday.id !== today.id) fail("partners got different exercises for the same day");
  log(`today: ${today.exercise.title} (${today.exercise.type})`);

  const path = { assignment_id: today.id };
  let answered: Schemas["Assignment"] | undefined;
  for (const [client, words] of [
    [alex, "I felt seen this week."],
    [robin, "Our walk on Sunday."],
  ] as const) {
    const body = answerFor(today.exercise, words);
    const put = await client.PUT("/v1/assignments/{assignment_id}/answer", {
      params: { path },
      body,
    });
    answered = expect("answer", put, 201);
  }
  const revealed = answered ?? fail("nobody answered");
  if (!revealed.revealed || !revealed.partner_answer || !revealed.my_answer) {
    fail("both answered, yet the assignment is not revealed");
  }
  log(`reveal: Robin sees Alex's answer ${revealed.partner_answer.id}`);

  const comment = { id: randomUUID(), body: "Thank you for sharing that." };
  const added = await alex.POST("/v1/assignments/{assignment_id}/comments", {
    params: { path },
    body: comment,
  });
  expect("comment", added, 201);
  const listed = await robin.GET("/v1/assignments/{assignment_id}/comments", { params: { path } });
  const comments = expect("comments", listed, 200);
  if (comments.items.map((c) => c.body).join() !== comment.body) {
    fail("the partner does not see the comment");
  }
  log(`comment: Robin reads "${comments.items[0]?.body}"`);

  await pullChanges(robin, [revealed.my_answer.id, revealed.partner_answer.id]);
  await appreciate(alex, robin);
  await pulseTrend(alex, robin, today.local_date.slice(0, 7));
  log("the whole story went as documented");
}

main().catch((error: unknown) => {
  console.error(`typescript story failed: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
