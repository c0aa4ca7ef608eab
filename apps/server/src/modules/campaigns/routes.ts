import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  apiErrorSchema,
  campaignReadinessRequestSchema,
  campaignReadinessSchema,
  campaignReportSchema,
  campaignSchema,
  campaignStatusSchema,
  createCampaignRequestSchema,
  importResultSchema,
  pageSchema,
  rangeReportQuerySchema,
  rangeReportSchema,
  recipientInputSchema,
  recipientSchema,
  recipientStatusSchema,
  sessionIdSchema,
  templatePreviewRequestSchema,
  templatePreviewSchema,
  updateCampaignRequestSchema,
} from '@wasla/protocol';
import { AppError } from '../../errors/app-error.js';
import type { MessagesRepository } from '../messages/repository.js';
import { rangeReport } from './reports.js';
import { recipientReportCsv } from './report-csv.js';
import type { RecipientsRepository } from './recipients-repository.js';
import type { CampaignsRepository } from './repository.js';
import type { CampaignService } from './service.js';

/** Largest CSV upload. 100,000 rows with a few variables are ~6 MB. */
export const MAX_CSV_BYTES = 20 * 1024 * 1024;
/** What browsers send for a .csv file: `text/csv`, or on Windows the Excel type. */
const CSV_TYPES = ['text/csv', 'application/csv', 'application/vnd.ms-excel'];

const idParams = z.object({ id: z.string().min(1).max(100) });
const pageQuery = { cursor: z.string().max(200).optional(), limit: z.coerce.number().int().min(1).max(100).default(50) };
const errors = { 400: apiErrorSchema, 404: apiErrorSchema, 409: apiErrorSchema };

/** Counts the bytes of a streamed body and fails it past `limit` with a 413. */
function limitBytes(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > limit) done(new AppError('payload_too_large', `The file is larger than ${limit / 1024 / 1024} MB.`));
      else done(null, chunk);
    },
  });
}

/** Reads and discards what is left of a request body; past `limit` bytes it gives up and closes it. */
function drain(body: Readable, limit: number): Promise<void> {
  if (body.readableEnded || body.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    body.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > limit) body.destroy();
    });
    body.once('end', resolve);
    body.once('close', resolve);
    body.once('error', () => resolve());
    body.resume();
  });
}

export const campaignRoutes: FastifyPluginAsyncZod<{ campaigns: CampaignService; repository: CampaignsRepository; recipients: RecipientsRepository; messages: MessagesRepository }> = async (
  app,
  { campaigns, repository, recipients, messages },
) => {
  // A CSV body is handed over as the raw stream: the import reads it as it arrives.
  app.addContentTypeParser(CSV_TYPES, (_request, payload, done) => done(null, payload));

  app.get('/api/campaigns', {
    schema: {
      tags: ['campaigns'],
      summary: 'Campaigns, newest first',
      querystring: z.object({ status: campaignStatusSchema.optional(), sessionId: sessionIdSchema.optional(), ...pageQuery }),
      response: { 200: pageSchema(campaignSchema), 400: apiErrorSchema },
    },
  }, async (request) => campaigns.list(request.query));

  app.post('/api/campaigns', {
    schema: {
      tags: ['campaigns'],
      summary: 'Create a draft campaign: name, template, limits (defaults are safe), schedule and optionally recipients',
      body: createCampaignRequestSchema,
      response: { 201: campaignSchema, ...errors },
    },
    // Up to 10,000 recipients inline.
    bodyLimit: 8 * 1024 * 1024,
  }, async (request, reply) => reply.status(201).send(await campaigns.drafts.create(request.body, request.principal?.userId ?? null)));

  app.get('/api/campaigns/:id', {
    schema: { tags: ['campaigns'], summary: 'A campaign with its counts by recipient status', params: idParams, response: { 200: campaignSchema, 404: apiErrorSchema } },
  }, async (request) => campaigns.get(request.params.id));

  app.patch('/api/campaigns/:id', {
    schema: { tags: ['campaigns'], summary: 'Change a draft', params: idParams, body: updateCampaignRequestSchema, response: { 200: campaignSchema, ...errors } },
  }, async (request) => campaigns.drafts.update(request.params.id, request.body));

  app.delete('/api/campaigns/:id', {
    schema: { tags: ['campaigns'], summary: 'Delete a draft', params: idParams, response: { 204: z.null(), ...errors } },
  }, async (request, reply) => {
    await campaigns.drafts.remove(request.params.id);
    return reply.status(204).send(null);
  });

  app.post('/api/campaigns/:id/recipients', {
    schema: {
      tags: ['campaigns'],
      summary: 'Add recipients to a draft: a CSV file (text/csv; a phone column, a name column, every other column a variable) or a JSON array. A file that fails imports nothing.',
      params: idParams,
      // The CSV body is a stream, which no JSON schema describes; JSON is checked in the handler.
      response: { 200: importResultSchema, ...errors, 413: apiErrorSchema, 415: apiErrorSchema },
    },
    bodyLimit: MAX_CSV_BYTES,
  }, async (request) => {
    const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (CSV_TYPES.includes(type)) {
      const body = request.body as Readable;
      const limited = body.pipe(limitBytes(MAX_CSV_BYTES));
      body.on('error', (error) => limited.destroy(error));
      try {
        return await campaigns.drafts.importCsv(request.params.id, limited);
      } catch (error) {
        // Read the rest of the upload, so the client gets to see the answer.
        body.unpipe(limited);
        await drain(body, MAX_CSV_BYTES);
        throw error;
      }
    }
    if (type === 'application/json') {
      const parsed = z.object({ recipients: z.array(recipientInputSchema).min(1).max(10_000) }).safeParse(request.body);
      if (!parsed.success) throw new AppError('validation_failed', 'The body must be {"recipients": [{"phone": "…", "name": "…", …}]}.', { issues: parsed.error.issues.slice(0, 10) });
      return campaigns.drafts.addRecipients(request.params.id, parsed.data.recipients);
    }
    throw new AppError('unsupported_media_type', 'Send a CSV file as text/csv, or JSON {"recipients": […]}.');
  });

  app.delete('/api/campaigns/:id/recipients', {
    schema: { tags: ['campaigns'], summary: "Remove a draft's recipients", params: idParams, response: { 200: campaignSchema, ...errors } },
  }, async (request) => campaigns.drafts.clearRecipients(request.params.id));

  app.get('/api/campaigns/:id/recipients', {
    schema: {
      tags: ['campaigns'],
      summary: 'Recipients in sending order, paginated',
      params: idParams,
      querystring: z.object({ status: recipientStatusSchema.optional(), ...pageQuery }),
      response: { 200: pageSchema(recipientSchema), 400: apiErrorSchema, 404: apiErrorSchema },
    },
  }, async (request) => campaigns.recipients(request.params.id, request.query));

  app.post('/api/campaigns/:id/preview', {
    schema: {
      tags: ['campaigns'],
      summary: 'The template as one recipient will receive it, and the variables it lacks',
      params: idParams,
      body: templatePreviewRequestSchema,
      response: { 200: templatePreviewSchema, ...errors },
    },
  }, async (request) => campaigns.drafts.preview(request.params.id, request.body.template, request.body.seq));

  for (const action of ['start', 'pause', 'resume', 'cancel'] as const) {
    app.post(`/api/campaigns/:id/${action}`, {
      schema: {
        tags: ['campaigns'],
        summary: {
          start: 'Start a draft (at its scheduled time, if any); 422 when a recipient lacks a variable the template uses',
          pause: 'Pause sending',
          resume: 'Resume a paused campaign (waits for the session if it is not ready)',
          cancel: 'Cancel; recipients not yet sent stay unsent',
        }[action],
        params: idParams,
        response: { 200: campaignSchema, ...errors, 422: apiErrorSchema },
      },
    }, async (request) => campaigns[action](request.params.id));
  }

  app.get('/api/campaigns/:id/report', {
    schema: { tags: ['reports'], summary: 'Totals by status and by reason for one campaign', params: idParams, response: { 200: campaignReportSchema, 404: apiErrorSchema } },
  }, async (request) => campaigns.report(request.params.id));

  app.get('/api/campaigns/:id/report.csv', {
    schema: { tags: ['reports'], summary: "Every recipient with its final status and the audience's own columns, as CSV", params: idParams, produces: ['text/csv'], response: { 200: z.any().describe('CSV, UTF-8 with a BOM so Excel reads Arabic'), 404: apiErrorSchema } },
  }, async (request, reply) => {
    const campaign = await campaigns.get(request.params.id);
    const csv = recipientReportCsv(campaign, recipients.allRecipients(campaign.id), await recipients.variableColumns(campaign.id));
    const filename = `campaign-${campaign.name.replace(/[^\p{L}\p{N}_-]+/gu, '-').slice(0, 60) || campaign.id}.csv`;
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="campaign.csv"; filename*=UTF-8''${encodeURIComponent(filename)}`)
      .send(csv);
  });

  app.post('/api/campaigns/:id/readiness', {
    schema: {
      tags: ['campaigns'],
      summary:
        "A draft's check before Start, the one Start makes: whether Start will work and who will receive it (opted-out numbers and rows missing a value left out). With a template or options in the body, for those instead of the stored ones (what an editor shows before saving).",
      params: idParams,
      body: campaignReadinessRequestSchema.nullish(),
      response: { 200: campaignReadinessSchema, ...errors },
    },
  }, async (request) => campaigns.readinessOf(request.params.id, request.body ?? {}));

  const copyBody = z.object({ name: z.string().trim().min(1).max(120).optional() });
  app.post('/api/campaigns/:id/duplicate', {
    schema: {
      tags: ['campaigns'],
      summary: "A new draft with this campaign's name, message, limits, options and recipients (rows skipped at import stay skipped)",
      params: idParams,
      body: copyBody.nullish(),
      response: { 201: campaignSchema, ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await campaigns.copy(request.params.id, { ...(request.body?.name ? { name: request.body.name } : {}) }, request.principal?.userId ?? null)));

  app.post('/api/campaigns/:id/resend', {
    schema: {
      tags: ['campaigns'],
      summary: 'A new draft to send again to the recipients whose message failed or whose fate is unknown (never an automatic retry: you review and start it)',
      params: idParams,
      body: copyBody.nullish(),
      response: { 201: campaignSchema, ...errors },
    },
  }, async (request, reply) =>
    reply.status(201).send(await campaigns.copy(request.params.id, { only: 'failed_or_unknown', ...(request.body?.name ? { name: request.body.name } : {}) }, request.principal?.userId ?? null)));

  app.post('/api/campaigns/delete-drafts', {
    schema: {
      tags: ['campaigns'],
      summary: 'Delete several drafts at once: all or none (409 when one is not a draft)',
      body: z.object({ ids: z.array(z.string().min(1).max(100)).min(1).max(500) }),
      response: { 200: z.object({ deleted: z.number().int() }), ...errors },
    },
  }, async (request) => campaigns.removeDrafts(request.body.ids));

  app.get('/api/reports', {
    schema: {
      tags: ['reports'],
      summary: 'Every outgoing message in a range of days (in a time zone): totals, per day, per campaign',
      querystring: rangeReportQuerySchema,
      response: { 200: rangeReportSchema, 400: apiErrorSchema },
    },
  }, async (request) => rangeReport({ messages, campaigns: repository, recipients }, request.query));
};
