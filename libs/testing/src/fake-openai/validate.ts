import { invalidRequest } from './errors.js';
import type { ApiError } from './errors.js';

/*
 * What the real Chat Completions API refuses with 400 `invalid_request_error`, checked in this order.
 * The reference (PART B) documents the error body and the tool-message sequence (B3 "Follow-up turn"),
 * not these checks one by one. The messages, params and codes below are OpenAI's own as seen in
 * error reports quoted in public issues (e.g. sdcb/chats#132 for the two tool-sequence errors,
 * BerriAI/litellm#5803 for `stream_options`, langchain-ai/langgraph#5943 for the token limits);
 * where no quote was found the wording is ours and says so ("choice").
 */

const roles = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

/** The first reason the real API would refuse `body`, or null when it would accept it. */
export function validateRequest(body: Record<string, unknown>): ApiError | null {
  return (
    checkModel(body) ??
    checkMessages(body.messages) ??
    checkTools(body.tools) ??
    checkStreamOptions(body) ??
    checkTokenLimits(body)
  );
}

function checkModel(body: Record<string, unknown>): ApiError | null {
  if (typeof body.model === 'string' && body.model !== '') return null;
  return invalidRequest('you must provide a model parameter', null);
}

function checkMessages(messages: unknown): ApiError | null {
  if (messages === undefined)
    return invalidRequest("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  // Choice: wording of the two checks below (the API refuses both; the exact text was not confirmed).
  if (!Array.isArray(messages))
    return invalidRequest(
      `Invalid type for 'messages': expected an array, but got ${typeof messages} instead.`,
      'messages',
      'invalid_type',
    );
  if (messages.length === 0)
    return invalidRequest(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'messages',
      'empty_array',
    );
  for (const [i, m] of (messages as unknown[]).entries()) {
    const role = typeof m === 'object' && m !== null ? (m as { role?: unknown }).role : undefined;
    if (role === undefined)
      return invalidRequest(
        `Missing required parameter: 'messages[${i}].role'.`,
        `messages[${i}].role`,
        'missing_required_parameter',
      );
    if (typeof role !== 'string' || !roles.has(role)) {
      return invalidRequest(
        `Invalid value: '${typeof role === 'string' ? role : JSON.stringify(role)}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`,
        `messages[${i}].role`,
        'invalid_value',
      );
    }
  }
  return checkToolSequence(messages as Array<{ role: string; tool_calls?: unknown; tool_call_id?: unknown }>);
}

/**
 * An assistant message with `tool_calls` must be followed directly by one `tool` message for each of
 * its call ids (in any order), and a `tool` message must answer an open call of the assistant message
 * just before that run of tool messages.
 */
function checkToolSequence(
  messages: Array<{ role: string; tool_calls?: unknown; tool_call_id?: unknown }>,
): ApiError | null {
  let open: { index: number; ids: Set<string> } | null = null;
  for (const [i, m] of messages.entries()) {
    if (m.role === 'tool') {
      const id = m.tool_call_id;
      // Choice: a missing tool_call_id is reported as an answer to no call (the API has its own message for it).
      if (typeof id !== 'string' || !open?.ids.delete(id)) {
        return invalidRequest(
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `messages.[${i}].role`,
        );
      }
      continue;
    }
    if (open && open.ids.size > 0) return unanswered(open);
    open = null;
    if (m.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0) {
      const ids = (m.tool_calls as Array<{ id?: unknown }>)
        .map((c) => c.id)
        .filter((id): id is string => typeof id === 'string');
      open = { index: i, ids: new Set(ids) };
    }
  }
  return open && open.ids.size > 0 ? unanswered(open) : null;
}

function unanswered(open: { index: number; ids: Set<string> }): ApiError {
  return invalidRequest(
    `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...open.ids].join(', ')}`,
    // Choice: the param names the assistant message (public reports show `messages.[n].role` without saying which n).
    `messages.[${open.index}].role`,
  );
}

function checkTools(tools: unknown): ApiError | null {
  if (tools === undefined) return null;
  if (!Array.isArray(tools))
    return invalidRequest(
      `Invalid type for 'tools': expected an array, but got ${typeof tools} instead.`,
      'tools',
      'invalid_type',
    );
  for (const [i, tool] of (tools as unknown[]).entries()) {
    const fn = typeof tool === 'object' && tool !== null ? (tool as { function?: unknown }).function : undefined;
    if (typeof fn !== 'object' || fn === null)
      return invalidRequest(
        `Missing required parameter: 'tools[${i}].function'.`,
        `tools[${i}].function`,
        'missing_required_parameter',
      );
    const name = (fn as { name?: unknown }).name;
    if (typeof name !== 'string' || name === '') {
      return invalidRequest(
        `Missing required parameter: 'tools[${i}].function.name'.`,
        `tools[${i}].function.name`,
        'missing_required_parameter',
      );
    }
  }
  return null;
}

function checkStreamOptions(body: Record<string, unknown>): ApiError | null {
  if (body.stream_options === undefined || body.stream_options === null || body.stream === true) return null;
  return invalidRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options');
}

function checkTokenLimits(body: Record<string, unknown>): ApiError | null {
  const given = (v: unknown) => v !== undefined && v !== null;
  if (given(body.max_tokens) && given(body.max_completion_tokens)) {
    // Not in the reference: OpenAI's answer as quoted in langchain-ai/langgraph#5943 (gpt-4.1).
    return invalidRequest(
      "Setting 'max_tokens' and 'max_completion_tokens' at the same time is not supported.",
      'max_tokens',
      'invalid_parameter_combination',
    );
  }
  for (const param of ['max_completion_tokens', 'max_tokens'] as const) {
    const v = body[param];
    // Choice: wording (the API refuses a limit below 1 or not an integer).
    if (given(v) && (!Number.isInteger(v) || (v as number) < 1)) {
      return invalidRequest(
        `Invalid '${param}': expected an integer >= 1, but got ${JSON.stringify(v)} instead.`,
        param,
        'invalid_value',
      );
    }
  }
  return null;
}
