package dev.sluice.shutdown;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import dev.sluice.testapps.shutdown.ShutdownTestApp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Starts {@link ShutdownTestApp} as its own JVM, loads it with slow requests and queued jobs, sends SIGTERM and
 * checks from what the process wrote that nothing was lost and nothing was silent.
 */
class GracefulShutdownProcessTests {

	private static final int SLOW_REQUESTS = 50;

	private static final int JOBS = 300;

	private final List<String> output = new CopyOnWriteArrayList<>();

	private Process process;

	@AfterEach
	void killLeftovers() {
		if (this.process != null && this.process.isAlive()) {
			this.process.destroyForcibly();
		}
	}

	@Test
	void onSigtermInFlightRequestsCompleteAndEveryAcceptedJobEitherRanOrWasReported() throws Exception {
		int port = start("--sluice.pools.jobs.size=2", "--sluice.pools.jobs.queue-capacity=1000",
				"--sluice.pools.jobs.drain-timeout=1s", "--sluice.shutdown.timeout=20s");
		HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
		HttpResponse<String> enqueued = http.send(
				HttpRequest.newBuilder(uri(port, "/enqueue?n=" + JOBS + "&millis=50"))
					.POST(HttpRequest.BodyPublishers.noBody())
					.build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(enqueued.body()).isEqualTo("queued " + JOBS);

		List<CompletableFuture<HttpResponse<String>>> slow = new ArrayList<>();
		for (int i = 0; i < SLOW_REQUESTS; i++) {
			slow.add(http.sendAsync(HttpRequest.newBuilder(uri(port, "/slow?millis=3000")).build(),
					HttpResponse.BodyHandlers.ofString()));
		}
		await().atMost(Duration.ofSeconds(20)).until(() -> count("SLOW-START") == SLOW_REQUESTS);

		long sigterm = System.nanoTime();
		// SIGTERM through the handle: Process.destroy() would also close our end of its output.
		assertThat(this.process.toHandle().destroy()).isTrue();
		assertThat(this.process.waitFor(30, TimeUnit.SECONDS)).as("process exited by itself").isTrue();
		long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sigterm);

		for (CompletableFuture<HttpResponse<String>> response : slow) {
			HttpResponse<String> done = response.get(5, TimeUnit.SECONDS); // an I/O error (reset) fails here
			assertThat(done.statusCode()).isEqualTo(200);
			assertThat(done.body()).isEqualTo("done");
		}
		assertThat(this.process.exitValue()).isIn(0, 143);
		assertThat(tookMillis).as("shutdown within the 20 s budget").isLessThan(20_000);

		java.nio.file.Files.write(Path.of("target", "shutdown-process-output.log"), this.output);
		Set<String> ran = ids("RAN ");
		Set<String> abandoned = ids("ABANDONED ");
		Set<String> all = IntStream.range(0, JOBS).mapToObj((i) -> "job-" + i).collect(Collectors.toSet());
		assertThat(ran).as("jobs that ran").isNotEmpty();
		assertThat(abandoned).as("jobs reported to the AbandonedTaskHandler").isNotEmpty();
		assertThat(ran).doesNotContainAnyElementsOf(abandoned);
		Set<String> accounted = new HashSet<>(ran);
		accounted.addAll(abandoned);
		assertThat(accounted).isEqualTo(all);
		assertThat(count("RAN ") + count("ABANDONED ")).as("each job exactly once").isEqualTo(JOBS);
		assertThat(this.output).anySatisfy((line) -> assertThat(line).contains("Sluice shutdown: ")
			.contains(SLOW_REQUESTS + " requests drained")
			.contains(abandoned.size() + " tasks abandoned"));
	}

	private int start(String... args) throws Exception {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.add("-cp");
		command.add(System.getProperty("java.class.path"));
		command.add(ShutdownTestApp.class.getName());
		command.add("--server.port=0");
		command.addAll(List.of(args));
		this.process = new ProcessBuilder(command).redirectErrorStream(true).start();
		Thread reader = new Thread(() -> {
			try (BufferedReader lines = new BufferedReader(
					new InputStreamReader(this.process.getInputStream(), StandardCharsets.UTF_8))) {
				String line;
				while ((line = lines.readLine()) != null) {
					this.output.add(line);
				}
			}
			catch (Exception ex) {
				// the process ended
			}
		}, "shutdown-test-output");
		reader.setDaemon(true);
		reader.start();
		await().atMost(Duration.ofSeconds(60)).until(() -> port() > 0 || !this.process.isAlive());
		assertThat(this.process.isAlive()).as("test app started; its output ends: %s",
				this.output.subList(Math.max(0, this.output.size() - 15), this.output.size())).isTrue();
		return port();
	}

	private int port() {
		return this.output.stream()
			.filter((line) -> line.startsWith("PORT "))
			.map((line) -> Integer.parseInt(line.substring(5).trim()))
			.findFirst()
			.orElse(0);
	}

	private long count(String prefix) {
		return this.output.stream().filter((line) -> line.startsWith(prefix)).count();
	}

	private Set<String> ids(String prefix) {
		return this.output.stream()
			.filter((line) -> line.startsWith(prefix))
			.map((line) -> line.substring(prefix.length()).split(" ")[0])
			.collect(Collectors.toSet());
	}

	private static URI uri(int port, String path) {
		return URI.create("http://127.0.0.1:" + port + path);
	}

}
