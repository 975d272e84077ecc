package dev.sluice.ratelimit;

import java.util.OptionalLong;

/**
 * Where a rule's per-key buckets live: in this JVM ({@link MemoryRateLimitStore}) or
 * shared by every instance (Redis).
 */
public interface RateLimitStore {

	/**
	 * Takes one token from the key's bucket of a rule, if one is there.
	 * @param rule the rule
	 * @param key the key
	 * @return the decision
	 * @throws RateLimitStoreException if the store cannot answer in time
	 */
	RateLimitDecision tryConsume(RateLimitRule rule, String key);

	/**
	 * Gives back a token taken by {@link #tryConsume} when another rule rejected the same
	 * request.
	 * @param rule the rule
	 * @param key the key
	 */
	void refund(RateLimitRule rule, String key);

	/**
	 * Keys the rule holds buckets for now (an estimate where the store cannot count
	 * exactly).
	 * @param rule the rule
	 * @return the count, or empty where the store does not count (then there is no
	 * {@code sluice.ratelimit.keys} gauge)
	 */
	OptionalLong keyCount(RateLimitRule rule);

	/**
	 * Whether the store answers now (for the health contributor); a local store always
	 * does.
	 * @return {@code true} if it can be reached
	 */
	default boolean isAvailable() {
		return true;
	}

}
