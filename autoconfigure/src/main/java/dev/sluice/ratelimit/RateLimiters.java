package dev.sluice.ratelimit;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.LongAdder;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;

/**
 * The application's rate-limit rules over their store, for the admission filter and for
 * programmatic checks.
 * <p>
 * <pre class="code">
 * RateLimitDecision decision = rateLimiters.tryAcquire("exports", user.id());
 * if (!decision.allowed()) {
 *     throw new TooManyExports(decision.retryAfterSeconds());
 * }
 * </pre>
 */
public class RateLimiters implements AutoCloseable {

	private final Map<String, Rule> rules = new LinkedHashMap<>();

	private final Map<RateLimitRule, Rule> counters = new IdentityHashMap<>();

	private final RateLimitStore store;

	private final OnStoreFailure onStoreFailure;

	/**
	 * Creates the limiters.
	 * @param rules the rules, in the order they are checked
	 * @param store where their buckets live
	 * @param onStoreFailure what happens when the store fails
	 */
	public RateLimiters(List<RateLimitRule> rules, RateLimitStore store, OnStoreFailure onStoreFailure) {
		for (RateLimitRule rule : rules) {
			Rule counted = new Rule(rule);
			this.rules.put(rule.name(), counted);
			this.counters.put(rule, counted);
		}
		this.store = store;
		this.onStoreFailure = onStoreFailure;
	}

	/**
	 * Takes a token for {@code key} under a rule, if one is there.
	 * @param rule the rule's name
	 * @param key the key (a user id, an API key, an IP)
	 * @return the decision, with the wait when rejected
	 * @throws IllegalArgumentException if there is no such rule
	 * @throws RateLimitStoreException if the store fails and {@code on-failure} is
	 * {@code reject}
	 */
	public RateLimitDecision tryAcquire(String rule, String key) {
		Rule found = this.rules.get(rule);
		if (found == null) {
			throw new IllegalArgumentException(
					"No rate-limit rule named '" + rule + "'; rules: " + this.rules.keySet());
		}
		RateLimitDecision decision = consume(found.rule, key);
		if (decision != null) {
			count(found.rule, decision.allowed());
		}
		else if (this.onStoreFailure == OnStoreFailure.REJECT) {
			throw new RateLimitStoreException("Rate-limit store unavailable for rule '" + rule + "'", null);
		}
		return (decision != null) ? decision
				: new RateLimitDecision(true, 0, java.time.Duration.ZERO, java.time.Duration.ZERO);
	}

	/**
	 * The rules, in order.
	 * @return the rules
	 */
	public List<RateLimitRule> rules() {
		return this.rules.values().stream().map((rule) -> rule.rule).toList();
	}

	/**
	 * What should happen when the store fails.
	 * @return the failure mode
	 */
	public OnStoreFailure onStoreFailure() {
		return this.onStoreFailure;
	}

	/**
	 * Whether the store answers now.
	 * @return {@code true} if it can be reached
	 */
	public boolean isStoreAvailable() {
		return this.store.isAvailable();
	}

	/**
	 * Keys a rule holds buckets for now.
	 * @param rule the rule
	 * @return the count, or empty where the store does not count them (Redis)
	 */
	public OptionalLong keyCount(RateLimitRule rule) {
		return this.store.keyCount(rule);
	}

	/**
	 * Requests a rule allowed so far.
	 * @param rule the rule's name
	 * @return the count
	 */
	public long allowedCount(String rule) {
		return this.rules.get(rule).allowed.sum();
	}

	/**
	 * Requests a rule rejected so far.
	 * @param rule the rule's name
	 * @return the count
	 */
	public long rejectedCount(String rule) {
		return this.rules.get(rule).rejected.sum();
	}

	/**
	 * Closes the store's connections, if it has any.
	 * @throws Exception if closing fails
	 */
	@Override
	public void close() throws Exception {
		if (this.store instanceof AutoCloseable closeable) {
			closeable.close();
		}
	}

	/**
	 * Registers {@code sluice.ratelimit.requests} for every rule, and
	 * {@code sluice.ratelimit.keys} where the store counts keys.
	 * @param registry the application's registry
	 */
	public void bindTo(MeterRegistry registry) {
		for (Rule rule : this.rules.values()) {
			String name = rule.rule.name();
			requests(registry, name, "allowed", rule.allowed);
			requests(registry, name, "rejected", rule.rejected);
			requests(registry, name, "store_error", rule.storeErrors);
			if (this.store.keyCount(rule.rule).isPresent()) {
				Gauge.builder("sluice.ratelimit.keys", this, (limiters) -> limiters.store.keyCount(rule.rule).orElse(0))
					.description("Keys the rule holds buckets for")
					.tag("rule", name)
					.register(registry);
			}
		}
	}

	private static void requests(MeterRegistry registry, String rule, String outcome, LongAdder count) {
		FunctionCounter.builder("sluice.ratelimit.requests", count, LongAdder::sum)
			.description("Requests checked by a rate-limit rule, by outcome")
			.tag("rule", rule)
			.tag("outcome", outcome)
			.register(registry);
	}

	/**
	 * Takes a token, counting a store failure.
	 * @return the decision; {@code null} when the store failed
	 */
	@Nullable RateLimitDecision consume(RateLimitRule rule, String key) {
		try {
			return this.store.tryConsume(rule, key);
		}
		catch (RateLimitStoreException ex) {
			this.counters.get(rule).storeErrors.increment();
			return null;
		}
	}

	void refund(RateLimitRule rule, String key) {
		try {
			this.store.refund(rule, key);
		}
		catch (RateLimitStoreException ex) {
			this.counters.get(rule).storeErrors.increment();
		}
	}

	void count(RateLimitRule rule, boolean allowed) {
		Rule counted = this.counters.get(rule);
		(allowed ? counted.allowed : counted.rejected).increment();
	}

	private static final class Rule {

		final RateLimitRule rule;

		final LongAdder allowed = new LongAdder();

		final LongAdder rejected = new LongAdder();

		final LongAdder storeErrors = new LongAdder();

		Rule(RateLimitRule rule) {
			this.rule = rule;
		}

	}

}
