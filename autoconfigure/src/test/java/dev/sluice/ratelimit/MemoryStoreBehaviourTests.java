package dev.sluice.ratelimit;

import java.util.List;

/**
 * The shared store behaviour against the memory store.
 */
class MemoryStoreBehaviourTests extends RateLimitStoreBehaviourTests {

	@Override
	protected RateLimitStore newStore(List<RateLimitRule> rules) {
		return new MemoryRateLimitStore(rules, 1_000);
	}

}
