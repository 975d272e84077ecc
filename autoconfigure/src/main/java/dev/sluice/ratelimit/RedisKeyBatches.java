package dev.sluice.ratelimit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * For {@link RedisRateLimitStore}: at most one script run per key in flight from this
 * instance. The decisions on a key that arrive while a run for it is at Redis wait, and
 * go together as the next run, which takes up to that many tokens at once and answers
 * each in arrival order, exactly as that many runs one after another would. A hot key
 * then costs one round trip per batch, not one per decision, and its decisions no longer
 * queue behind each other on the connection and on Redis's single thread.
 * <p>
 * A decision whose caller stopped waiting (its {@code timeout} passed) before its batch
 * was sent is left out of the batch, so it takes no token. A run that fails fails its
 * batch and every decision waiting behind it at once: those are store failures either
 * way, and the next decision on the key starts a fresh run. No thread of its own: a batch
 * is sent by the thread that starts the first run and then by the thread that completes
 * the run before it (Lettuce's event loop).
 */
final class RedisKeyBatches {

	private final ConcurrentHashMap<String, Lane> lanes = new ConcurrentHashMap<>();

	private final Runner runner;

	/**
	 * Creates the batches of one store.
	 * @param runner sends one run of the script to Redis
	 */
	RedisKeyBatches(Runner runner) {
		this.runner = runner;
	}

	/**
	 * Takes a token for one decision, in this key's next run.
	 * @param script the rule's script
	 * @param key the key
	 * @return the decision, completed when its run answers; cancel it to leave a batch
	 * not yet sent
	 */
	CompletableFuture<RateLimitDecision> consume(RedisRuleScript script, String key) {
		CompletableFuture<RateLimitDecision> decision = new CompletableFuture<>();
		String redisKey = script.keyPrefix.concat(key);
		while (true) {
			Lane lane = this.lanes.computeIfAbsent(redisKey, (name) -> new Lane(script, name));
			Join join = lane.join(decision);
			if (join == Join.RUN) {
				send(lane, List.of(decision));
				return decision;
			}
			if (join == Join.QUEUED) {
				return decision;
			}
			// RETIRED: the lane finished between lookup and removal; help remove it
			this.lanes.remove(redisKey, lane);
		}
	}

	private void send(Lane lane, List<CompletableFuture<RateLimitDecision>> batch) {
		CompletableFuture<List<Object>> answer;
		try {
			answer = this.runner.run(lane.key, lane.script.consume(batch.size()));
		}
		catch (RuntimeException ex) {
			answer = CompletableFuture.failedFuture(ex);
		}
		answer.whenComplete((result, failure) -> {
			Throwable problem = failure;
			if (problem == null) {
				try {
					for (int i = 0; i < batch.size(); i++) {
						batch.get(i).complete(lane.script.decision(result, i));
					}
				}
				catch (RuntimeException ex) { // an answer not of the script's shape
					problem = ex;
				}
			}
			if (problem != null) {
				this.lanes.remove(lane.name, lane);
				for (CompletableFuture<RateLimitDecision> decision : batch) {
					decision.completeExceptionally(problem);
				}
				for (CompletableFuture<RateLimitDecision> decision : lane.retire()) {
					decision.completeExceptionally(problem);
				}
				return;
			}
			List<CompletableFuture<RateLimitDecision>> next = lane.next();
			if (next.isEmpty()) {
				this.lanes.remove(lane.name, lane);
			}
			else {
				send(lane, next);
			}
		});
	}

	/** Sends one run of the script for one key. */
	@FunctionalInterface
	interface Runner {

		/**
		 * Runs the script.
		 * @param key the Redis key
		 * @param args the script's arguments
		 * @return its answer
		 */
		CompletableFuture<List<Object>> run(byte[] key, byte[][] args);

	}

	private enum Join {

		/** No run was in flight: the caller sends this one. */
		RUN,

		/** Waits for the next run. */
		QUEUED,

		/** The lane is done; look again. */
		RETIRED

	}

	/**
	 * One key's run in flight and the decisions waiting for the next one; every field is
	 * guarded by the lane's monitor. A lane leaves the map when it has nothing left to
	 * send, and a retired lane takes no more decisions.
	 */
	private static final class Lane {

		final RedisRuleScript script;

		final String name;

		final byte[] key;

		private List<CompletableFuture<RateLimitDecision>> waiting = new ArrayList<>();

		private boolean running;

		private boolean retired;

		Lane(RedisRuleScript script, String name) {
			this.script = script;
			this.name = name;
			this.key = name.getBytes(StandardCharsets.UTF_8);
		}

		synchronized Join join(CompletableFuture<RateLimitDecision> decision) {
			if (this.retired) {
				return Join.RETIRED;
			}
			if (this.running) {
				this.waiting.add(decision);
				return Join.QUEUED;
			}
			this.running = true;
			return Join.RUN;
		}

		/**
		 * The next batch: the decisions still waited for; empty (and the lane retired)
		 * when there are none.
		 */
		synchronized List<CompletableFuture<RateLimitDecision>> next() {
			List<CompletableFuture<RateLimitDecision>> next = new ArrayList<>(this.waiting.size());
			for (CompletableFuture<RateLimitDecision> decision : this.waiting) {
				if (!decision.isDone()) {
					next.add(decision);
				}
			}
			this.waiting = new ArrayList<>();
			if (next.isEmpty()) {
				this.running = false;
				this.retired = true;
			}
			return next;
		}

		/** Retires the lane. */
		synchronized List<CompletableFuture<RateLimitDecision>> retire() {
			List<CompletableFuture<RateLimitDecision>> waiting = this.waiting;
			this.waiting = List.of();
			this.running = false;
			this.retired = true;
			return waiting;
		}

	}

}
