package dev.sluice.benchmarks.overload;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.sluice.concurrency.ConcurrencyLimiter;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Overload benchmark of the concurrency limit (see BENCHMARKS.md): for each scenario it
 * starts {@link ScarceResourceApp} on a loopback port, measures the unloaded latency with
 * one client, then drives it with many closed-loop clients (each sends its next request
 * as soon as it has an answer; after a 503 it first waits the {@code Retry-After}
 * seconds, unless {@code -Doverload.honour-retry-after=false}) and reports, for the
 * measured part of the overload, the admitted requests' latency percentiles, the goodput
 * and the refusals. Bounded in time: per scenario about 15 s start and unloaded phase
 * plus warm-up plus measurement.
 * <p>
 * Usage:
 * {@code java -cp ... dev.sluice.benchmarks.overload.OverloadBenchmark [seconds=20] [clients=64]
 * [warmup-seconds=5] [scenario ...]}, a scenario being {@code name:prop=value,prop=value}
 * (defaults: no limit, fixed 200, adaptive with the default algorithm).
 */
public final class OverloadBenchmark {

	private static final String[] DEFAULT_SCENARIOS = { "no-limit:sluice.concurrency-limit.enabled=false",
			"fixed-200:sluice.concurrency-limit.max-in-flight=200", "adaptive:sluice.concurrency-limit.mode=adaptive" };

	/**
	 * Whether a refused client waits as its 503's Retry-After says
	 * (-Doverload.honour-retry-after=false: no).
	 */
	private static final boolean HONOUR_RETRY_AFTER = Boolean
		.parseBoolean(System.getProperty("overload.honour-retry-after", "true"));

	private OverloadBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int seconds = (args.length > 0) ? Integer.parseInt(args[0]) : 20;
		int clients = (args.length > 1) ? Integer.parseInt(args[1]) : 64;
		int warmup = (args.length > 2) ? Integer.parseInt(args[2]) : 5;
		String[] scenarios = (args.length > 3) ? Arrays.copyOfRange(args, 3, args.length) : DEFAULT_SCENARIOS;
		List<String> rows = new ArrayList<>();
		for (String scenario : scenarios) {
			rows.add(run(scenario, seconds, clients, warmup));
		}
		double capacity = ScarceResourceApp.PERMITS * 1000.0 / ScarceResourceApp.WORK_MILLIS;
		System.out.printf(Locale.ROOT, "%n%d clients, %d s measured after %d s warm-up; capacity %.0f requests/s%n%n",
				clients, seconds, warmup, capacity);
		System.out.println("| scenario | unloaded p50 / p99 | admitted p50 / p99 / max | p99 / unloaded p50 | goodput "
				+ "| of capacity | refused (503) per s | limit at end |");
		System.out.println("|---|---|---|---|---|---|---|---|");
		rows.forEach(System.out::println);
	}

	private static String run(String scenario, int seconds, int clients, int warmup) throws Exception {
		String name = scenario.contains(":") ? scenario.substring(0, scenario.indexOf(':')) : scenario;
		List<String> properties = new ArrayList<>(List.of("--server.port=0", "--logging.level.root=WARN",
				"--spring.main.banner-mode=off", "--server.tomcat.threads.max=200"));
		if (scenario.contains(":")) {
			for (String property : scenario.substring(scenario.indexOf(':') + 1).split(",")) {
				properties.add("--" + property);
			}
		}
		try (ConfigurableApplicationContext context = SpringApplication.run(ScarceResourceApp.class,
				properties.toArray(String[]::new))) {
			int port = ((WebServerApplicationContext) context).getWebServer().getPort();
			URI uri = URI.create("http://127.0.0.1:" + port + "/work");
			HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
			Load unloaded = drive(http, uri, 1, 2, 10);
			Load loaded = drive(http, uri, clients, warmup, seconds);
			ConcurrencyLimiter limiter = context.getBeanProvider(ConcurrencyLimiter.class).getIfAvailable();
			double capacity = ScarceResourceApp.PERMITS * 1000.0 / ScarceResourceApp.WORK_MILLIS;
			double goodput = loaded.ok / (double) seconds;
			String row = String.format(Locale.ROOT,
					"| %s | %.1f / %.1f ms | %.1f / %.1f / %.1f ms | %.2f | %.0f/s | %.0f%% | %.0f | %s |", name,
					unloaded.percentile(50), unloaded.percentile(99), loaded.percentile(50), loaded.percentile(99),
					loaded.percentile(100), loaded.percentile(99) / unloaded.percentile(50), goodput,
					100 * goodput / capacity, loaded.refused / (double) seconds,
					(limiter != null) ? String.valueOf(limiter.getLimit()) : "-");
			System.out.println(row + ((loaded.other > 0) ? " (other statuses: " + loaded.other + ")" : "")
					+ ((limiter != null) ? " " + limiter.describe() : ""));
			return row;
		}
	}

	/**
	 * Runs {@code clients} closed-loop clients for warm-up plus measurement; counts the
	 * measured part.
	 */
	private static Load drive(HttpClient http, URI uri, int clients, int warmupSeconds, int seconds)
			throws InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build();
		AtomicBoolean measuring = new AtomicBoolean();
		AtomicBoolean stop = new AtomicBoolean();
		Load[] loads = new Load[clients];
		CountDownLatch done = new CountDownLatch(clients);
		for (int i = 0; i < clients; i++) {
			Load load = new Load();
			loads[i] = load;
			Thread thread = new Thread(() -> {
				try {
					while (!stop.get()) {
						long start = System.nanoTime();
						int status;
						long retryAfter = 0;
						try {
							HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
							status = response.statusCode();
							retryAfter = response.headers().firstValueAsLong("Retry-After").orElse(0);
						}
						catch (Exception ex) {
							status = -1;
						}
						long nanos = System.nanoTime() - start;
						if (measuring.get() && !stop.get()) {
							load.record(status, nanos);
						}
						if (retryAfter > 0 && HONOUR_RETRY_AFTER) {
							Thread.sleep(TimeUnit.SECONDS.toMillis(retryAfter));
						}
					}
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				finally {
					done.countDown();
				}
			}, "overload-client-" + i);
			thread.setDaemon(true);
			thread.start();
		}
		Thread.sleep(TimeUnit.SECONDS.toMillis(warmupSeconds));
		measuring.set(true);
		Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
		stop.set(true);
		done.await(60, TimeUnit.SECONDS);
		Load total = new Load();
		for (Load load : loads) {
			total.add(load);
		}
		return total;
	}

	private static final class Load {

		long ok;

		long refused;

		long other;

		long[] latencies = new long[1024];

		int count;

		void record(int status, long nanos) {
			if (status == 200) {
				this.ok++;
				if (this.count == this.latencies.length) {
					this.latencies = Arrays.copyOf(this.latencies, this.count * 2);
				}
				this.latencies[this.count++] = nanos;
			}
			else if (status == 503) {
				this.refused++;
			}
			else {
				this.other++;
			}
		}

		void add(Load other) {
			this.ok += other.ok;
			this.refused += other.refused;
			this.other += other.other;
			for (int i = 0; i < other.count; i++) {
				if (this.count == this.latencies.length) {
					this.latencies = Arrays.copyOf(this.latencies, this.count * 2);
				}
				this.latencies[this.count++] = other.latencies[i];
			}
		}

		/** The latency percentile of admitted requests in ms (100: the maximum). */
		double percentile(double p) {
			if (this.count == 0) {
				return Double.NaN;
			}
			long[] sorted = Arrays.copyOf(this.latencies, this.count);
			Arrays.sort(sorted);
			int index = (int) Math.min(this.count - 1, Math.ceil(p / 100.0 * this.count) - 1);
			return sorted[Math.max(0, index)] / 1e6;
		}

	}

}
