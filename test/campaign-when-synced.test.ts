import { describe, expect, it } from 'vitest';
import { CampaignWhenSynced } from '../src/controller/campaign-when-synced.js';
import { FakeClock } from './support/fake-clock.js';

describe('campaigning for the lease once the caches have synced', () => {
  it('does not campaign while a cache is still listing, and does as soon as all have synced', () => {
    const clock = new FakeClock();
    let synced = false;
    let campaigns = 0;
    const campaign = new CampaignWhenSynced({ synced: () => synced, campaign: () => campaigns++, clock });
    campaign.start();
    clock.advance(5_000);
    expect(campaigns).toBe(0);
    expect(campaign.waiting()).toBe(true);
    synced = true;
    clock.advance(100);
    expect(campaigns).toBe(1);
    expect(campaign.waiting()).toBe(false);
    clock.advance(10_000);
    campaign.start();
    expect(campaigns).toBe(1);
  });

  it('never campaigns once stopped (a shutdown during the initial lists)', () => {
    const clock = new FakeClock();
    let synced = false;
    let campaigns = 0;
    const campaign = new CampaignWhenSynced({ synced: () => synced, campaign: () => campaigns++, clock });
    campaign.start();
    campaign.stop();
    synced = true;
    clock.advance(1_000);
    campaign.start();
    expect(campaigns).toBe(0);
    expect(campaign.waiting()).toBe(false);
  });
});
