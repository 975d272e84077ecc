package dev.sluice.ratelimit;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * For {@link RedisRateLimitStore}: a rule's key prefix and script arguments, encoded
 * once, so only the key is encoded per decision; and the script's answer read back as a
 * decision.
 */
final class RedisRuleScript {

	final String keyPrefix;

	final byte[][] consume;

	final byte[][] refund;

	final int limits;

	final RateLimitRule rule;

	RedisRuleScript(RateLimitRule rule, String prefix) {
		this.rule = rule;
		this.keyPrefix = prefix + rule.name() + ":";
		this.limits = rule.limits().size();
		this.consume = args(rule, 1);
		this.refund = args(rule, -1);
	}

	private static byte[][] args(RateLimitRule rule, int take) {
		List<Limit> limits = rule.limits();
		byte[][] args = new byte[1 + 3 * limits.size()][];
		args[0] = ascii(take);
		for (int i = 0; i < limits.size(); i++) {
			Limit limit = limits.get(i);
			args[1 + 3 * i] = ascii(limit.capacity());
			args[2 + 3 * i] = ascii(limit.refill());
			// microseconds, the resolution of Redis's TIME; at least 1
			args[3 + 3 * i] = ascii(Math.max(1, (limit.period().toNanos() + 999) / 1000));
		}
		return args;
	}

	byte[] redisKey(String key) {
		return this.keyPrefix.concat(key).getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * The arguments of a run that takes up to {@code count} tokens.
	 * @param count how many decisions the run makes, at least 1
	 * @return the arguments
	 */
	byte[][] consume(int count) {
		if (count == 1) {
			return this.consume;
		}
		byte[][] args = this.consume.clone();
		args[0] = ascii(count);
		return args;
	}

	/**
	 * The decision the {@code index}-th of the decisions a run made comes to, as if they
	 * had been made one after another: the script's answer is {@code granted, wait,
	 * reset}, then per limit the tokens remaining after the whole run and the nanos until
	 * its next token, from which {@link RateLimitDecision#of} works out the aggregates.
	 * The first {@code granted} decisions are allowed, and the one at {@code index} saw
	 * the tokens the allowed ones after it took still there.
	 */
	RateLimitDecision decision(List<Object> answer, int index) {
		long granted = number(answer, 0);
		boolean allowed = index < granted;
		long takenAfter = allowed ? granted - 1 - index : 0;
		if (this.limits == 1) {
			return RateLimitDecision.of(this.rule, allowed, number(answer, 3) + takenAfter, number(answer, 4));
		}
		long[] remaining = new long[this.limits];
		long[] nanosToNextToken = new long[this.limits];
		for (int i = 0; i < this.limits; i++) {
			remaining[i] = number(answer, 3 + 2 * i) + takenAfter;
			nanosToNextToken[i] = number(answer, 4 + 2 * i);
		}
		return RateLimitDecision.of(this.rule, allowed, remaining, nanosToNextToken);
	}

	private static long number(List<Object> answer, int index) {
		return (Long) answer.get(index);
	}

	private static byte[] ascii(long value) {
		return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
	}

}
