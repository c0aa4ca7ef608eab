import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CampaignLimits } from '@wasla/protocol';
import { estimateFinish, messageSpacingMs, nextSlot, pickGap, quietHoursEnd, quietHoursNextStart } from './pacing.js';
import type { SendHistory } from './pacing.js';

const riyadhNight = { start: '21:00', end: '09:00', timeZone: 'Asia/Riyadh' };
const limits: CampaignLimits = { minGapMs: 1000, maxGapMs: 3000, hourlyCap: 2, dailyCap: 5, quietHours: null };
const quietHistory: SendHistory = { lastSentAt: null, gapMs: 0, sentLastHour: 0, sentLastDay: 0, hourlyCapFreesAt: null, dailyCapFreesAt: null };

describe('quietHoursEnd', () => {
  it('is null outside quiet hours and without them', () => {
    assert.equal(quietHoursEnd(new Date('2026-11-24T12:00:00Z'), riyadhNight), null); // 15:00 in Riyadh
    assert.equal(quietHoursEnd(new Date('2026-11-24T05:59:59Z'), null), null);
    assert.equal(quietHoursEnd(new Date('2026-11-24T06:00:00Z'), riyadhNight), null); // 09:00 exactly: over
  });
  it('ends at the next end time across midnight', () => {
    assert.equal(quietHoursEnd(new Date('2026-11-24T18:00:00Z'), riyadhNight)?.toISOString(), '2026-11-25T06:00:00.000Z'); // 21:00
    assert.equal(quietHoursEnd(new Date('2026-11-24T23:30:15.250Z'), riyadhNight)?.toISOString(), '2026-11-25T06:00:00.000Z'); // 02:30:15
    assert.equal(quietHoursEnd(new Date('2026-11-24T05:59:00Z'), riyadhNight)?.toISOString(), '2026-11-24T06:00:00.000Z');
  });
  it('handles quiet hours within one day and other zones', () => {
    const lunch = { start: '12:00', end: '13:30', timeZone: 'Asia/Kolkata' };
    assert.equal(quietHoursEnd(new Date('2026-11-24T06:45:00Z'), lunch)?.toISOString(), '2026-11-24T08:00:00.000Z'); // 12:15 IST
    assert.equal(quietHoursEnd(new Date('2026-11-24T08:00:00Z'), lunch), null);
  });
});

describe('nextSlot', () => {
  const now = new Date('2026-11-24T12:00:00Z');
  it('sends at once with no history and no quiet hours', () => {
    assert.equal(nextSlot(now, limits, quietHistory), null);
  });
  it('waits for the gap after the last send', () => {
    const slot = nextSlot(now, limits, { ...quietHistory, lastSentAt: new Date(now.getTime() - 500), gapMs: 2000 });
    assert.deepEqual(slot, { code: 'gap', until: new Date(now.getTime() + 1500) });
    assert.equal(nextSlot(now, limits, { ...quietHistory, lastSentAt: new Date(now.getTime() - 2000), gapMs: 2000 }), null);
  });
  it('waits for the hourly and daily caps, the later one winning', () => {
    const hourFree = new Date(now.getTime() + 60_000);
    const dayFree = new Date(now.getTime() + 3_600_000);
    assert.deepEqual(nextSlot(now, limits, { ...quietHistory, sentLastHour: 2, sentLastDay: 2, hourlyCapFreesAt: hourFree }), { code: 'hourly_cap', until: hourFree });
    assert.deepEqual(nextSlot(now, limits, { ...quietHistory, sentLastHour: 2, sentLastDay: 5, hourlyCapFreesAt: hourFree, dailyCapFreesAt: dayFree }), { code: 'daily_cap', until: dayFree });
    assert.equal(nextSlot(now, limits, { ...quietHistory, sentLastHour: 1, sentLastDay: 4, hourlyCapFreesAt: hourFree, dailyCapFreesAt: dayFree }), null);
  });
  it('waits for quiet hours to end', () => {
    const night = new Date('2026-11-24T20:00:00Z');
    assert.deepEqual(nextSlot(night, { ...limits, quietHours: riyadhNight }, quietHistory), { code: 'quiet_hours', until: new Date('2026-11-25T06:00:00Z') });
  });
});

describe('pickGap', () => {
  it('stays within the bounds, both included', () => {
    assert.equal(pickGap(limits, () => 0), 1000);
    assert.equal(pickGap(limits, () => 0.999999), 3000);
    assert.equal(pickGap({ ...limits, minGapMs: 0, maxGapMs: 0 }, Math.random), 0);
  });
});

describe('estimateFinish', () => {
  const now = new Date('2026-11-24T12:00:00Z'); // 15:00 in Riyadh
  const fast: CampaignLimits = { minGapMs: 2000, maxGapMs: 3000, hourlyCap: 120, dailyCap: 600, quietHours: riyadhNight };
  const seconds = (finish: Date | null): number | null => (finish ? (finish.getTime() - now.getTime()) / 1000 : null);

  it('takes the gaps, not the hourly cap, as the pace: 5 left at 2–3 s is about 12 s, not minutes', () => {
    // The first goes now, then four gaps of 2.5 s.
    assert.equal(seconds(estimateFinish({ now, pending: 5, limits: fast, recentSends: [] })), 10);
    // Waiting out a gap first: the first goes when it ends.
    assert.equal(seconds(estimateFinish({ now, pending: 5, limits: fast, recentSends: [], nextAt: new Date(now.getTime() + 2500) })), 12.5);
  });

  it('follows the observed spacing of recent sends, which includes the time a send takes', () => {
    const recentSends = [-12_000, -9_000, -6_000, -3_000].map((offset) => now.getTime() + offset);
    assert.equal(messageSpacingMs(fast, recentSends), 3000);
    assert.equal(seconds(estimateFinish({ now, pending: 3, limits: fast, recentSends })), 6);
    // A long wait between two sends (a cap, quiet hours) is not the pace.
    assert.equal(messageSpacingMs(fast, [0, 3_000, 3_600_000, 3_603_000]), 3000);
  });

  it('waits out the hourly and daily caps, counting the sends already made', () => {
    const capped: CampaignLimits = { minGapMs: 0, maxGapMs: 0, hourlyCap: 2, dailyCap: 3, quietHours: null };
    const sentAt = now.getTime() - 30 * 60_000;
    // One more fits this hour; the next when the first of the hour's two is an hour old; the daily cap then holds the rest.
    assert.equal(seconds(estimateFinish({ now, pending: 1, limits: capped, recentSends: [sentAt] })), 0);
    assert.equal(seconds(estimateFinish({ now, pending: 2, limits: capped, recentSends: [sentAt] })), 30 * 60);
    assert.equal(seconds(estimateFinish({ now, pending: 3, limits: capped, recentSends: [sentAt] })), 24 * 3600 - 30 * 60);
  });

  it('sends nothing in quiet hours', () => {
    const slow: CampaignLimits = { minGapMs: 60_000, maxGapMs: 60_000, hourlyCap: 1000, dailyCap: 10_000, quietHours: riyadhNight };
    // 15:00 in Riyadh, one a minute: 360 go by 21:00 (the last at 20:59), the rest from 09:00.
    assert.equal(seconds(estimateFinish({ now, pending: 360, limits: slow, recentSends: [] })), 359 * 60);
    assert.equal(seconds(estimateFinish({ now, pending: 361, limits: slow, recentSends: [] })), 18 * 3600);
    assert.equal(quietHoursNextStart(now, riyadhNight)?.toISOString(), '2026-11-24T18:00:00.000Z');
    assert.equal(quietHoursNextStart(new Date('2026-11-24T19:00:00Z'), riyadhNight)?.toISOString(), '2026-11-24T19:00:00.000Z');
  });

  it('is null more than a year away', () => {
    const tiny: CampaignLimits = { minGapMs: 0, maxGapMs: 0, hourlyCap: 1, dailyCap: 1, quietHours: null };
    assert.equal(estimateFinish({ now, pending: 400, limits: tiny, recentSends: [] }), null);
    assert.equal(seconds(estimateFinish({ now, pending: 0, limits: tiny, recentSends: [] })), 0);
  });
});
