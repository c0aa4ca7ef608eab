import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CampaignLimits } from '@wasla/protocol';
import { nextSlot, pickGap, quietHoursEnd } from './pacing.js';
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
