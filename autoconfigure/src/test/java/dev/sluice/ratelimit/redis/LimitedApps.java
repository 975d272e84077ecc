package dev.sluice.ratelimit.redis;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Application instances on the Redis store for the multi-instance tests, and clients that
 * hit them all at once.
 */
final class LimitedApps {

	private static final HttpClient http = HttpClient.newHttpClient();

	private LimitedApps() {
	}

	/**
	 * Starts an instance with the Redis store, its actuator Redis health off, and the
	 * given settings.
	 */
	static ConfigurableApplicationContext start(List<String> settings) {
		List<String> args = new ArrayList<>(List.of("--server.port=0", "--sluice.rate-limit.store=redis",
				"--management.health.redis.enabled=false", "--server.tomcat.threads.max=64"));
		args.addAll(settings);
		return new SpringApplication(App.class).run(args.toArray(String[]::new));
	}

	/**
	 * Sends {@code clients} requests at once, the i-th built by {@code request}; returns
	 * the statuses.
	 */
	static List<Integer> concurrently(int clients, IntFunction<HttpRequest> request) throws Exception {
		ExecutorService threads = Executors.newFixedThreadPool(clients);
		CountDownLatch go = new CountDownLatch(1);
		List<CompletableFuture<Integer>> answers = new ArrayList<>();
		try {
			for (int i = 0; i < clients; i++) {
				HttpRequest built = request.apply(i);
				answers.add(CompletableFuture.supplyAsync(() -> {
					try {
						go.await();
						return http.send(built, HttpResponse.BodyHandlers.discarding()).statusCode();
					}
					catch (Exception ex) {
						throw new IllegalStateException(ex);
					}
				}, threads));
			}
			go.countDown();
			List<Integer> statuses = new ArrayList<>();
			for (CompletableFuture<Integer> answer : answers) {
				statuses.add(answer.get(60, TimeUnit.SECONDS));
			}
			return statuses;
		}
		finally {
			threads.shutdownNow();
		}
	}

	static HttpResponse<String> get(ConfigurableApplicationContext app, String path) throws Exception {
		return http.send(request(app, path).build(), HttpResponse.BodyHandlers.ofString());
	}

	static HttpRequest.Builder request(ConfigurableApplicationContext app, String path) {
		return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(app) + path));
	}

	static long count(List<Integer> statuses, int status) {
		return statuses.stream().filter((answer) -> answer == status).count();
	}

	static double storeErrors(ConfigurableApplicationContext app, String rule) {
		return app.getBean(MeterRegistry.class)
			.get("sluice.ratelimit.requests")
			.tag("rule", rule)
			.tag("outcome", "store_error")
			.functionCounter()
			.count();
	}

	static int port(ConfigurableApplicationContext app) {
		return ((WebServerApplicationContext) app).getWebServer().getPort();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@RestController
	static class App {

		@GetMapping("/limited/{name}")
		String limited() {
			return "ok";
		}

	}

}
