package dev.sluice.ratelimit.redis;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

import static org.awaitility.Awaitility.await;

/**
 * Redis servers (plain, Cluster nodes, sentinels) that a test starts on free loopback
 * ports in a temporary directory and stops when closed, so Cluster and Sentinel tests
 * need no manual setup. Without a {@code redis-server} binary the tests are skipped,
 * except under {@code CI=true}, where that is a failure ({@code .ci/run} installs it).
 */
final class RedisProcesses implements AutoCloseable {

	private final Path dir;

	private final Map<Integer, Process> processes = new LinkedHashMap<>();

	RedisProcesses() throws IOException {
		requireBinaries();
		this.dir = Files.createTempDirectory("sluice-redis-");
	}

	static void requireBinaries() {
		boolean found = onPath("redis-server") && onPath("redis-cli");
		if (!found && "true".equals(System.getenv("CI"))) {
			throw new AssertionError("redis-server / redis-cli are not on the PATH, and CI=true requires them");
		}
		Assumptions.assumeTrue(found, "redis-server / redis-cli are not on the PATH: skipping");
	}

	private static boolean onPath(String binary) {
		String path = System.getenv("PATH");
		return path != null && Arrays.stream(path.split(File.pathSeparator))
			.anyMatch((entry) -> Files.isExecutable(Path.of(entry, binary)));
	}

	/**
	 * Starts a {@code redis-server} on a free port and waits until it accepts
	 * connections.
	 * @param args arguments after the port
	 * @return its port
	 */
	int server(String... args) throws IOException {
		int port = freePort();
		List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind",
				"127.0.0.1", "--save", "", "--appendonly", "no", "--dir", this.dir.toString()));
		command.addAll(List.of(args));
		start(command, port);
		return port;
	}

	/**
	 * Starts a sentinel that monitors {@code master} as {@code name}, quorum 1, down
	 * after one second.
	 * @return its port
	 */
	int sentinel(String name, int master) throws IOException {
		int port = freePort();
		Path config = this.dir.resolve("sentinel-" + port + ".conf");
		Files.writeString(config,
				String.join("\n", "port " + port, "bind 127.0.0.1", "dir " + this.dir,
						"sentinel monitor " + name + " 127.0.0.1 " + master + " 1",
						"sentinel down-after-milliseconds " + name + " 1000",
						"sentinel failover-timeout " + name + " 10000", "sentinel parallel-syncs " + name + " 1", ""));
		start(List.of("redis-server", config.toString(), "--sentinel"), port);
		return port;
	}

	/**
	 * Starts three Cluster masters and joins them with
	 * {@code redis-cli --cluster create}.
	 * @return their ports
	 */
	List<Integer> cluster() throws Exception {
		List<Integer> ports = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			int port = freePort();
			start(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
					"--appendonly", "no", "--dir", this.dir.toString(), "--cluster-enabled", "yes",
					"--cluster-config-file", "nodes-" + port + ".conf", "--cluster-node-timeout", "5000"), port);
			ports.add(port);
		}
		List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
		ports.forEach((port) -> create.add("127.0.0.1:" + port));
		create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
		Process process = new ProcessBuilder(create).redirectErrorStream(true)
			.redirectOutput(this.dir.resolve("cluster-create.log").toFile())
			.start();
		if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
			process.destroyForcibly();
			throw new IllegalStateException(
					"redis-cli --cluster create failed: " + Files.readString(this.dir.resolve("cluster-create.log")));
		}
		for (int port : ports) {
			await().atMost(Duration.ofSeconds(30))
				.until(() -> cli(port, "cluster", "info").contains("cluster_state:ok"));
		}
		return ports;
	}

	/** Runs {@code redis-cli -p port args} and returns what it printed. */
	String cli(int port, String... args) throws Exception {
		List<String> command = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
		command.addAll(List.of(args));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes());
		process.waitFor(10, TimeUnit.SECONDS);
		return output;
	}

	/**
	 * Stops the server on {@code port} with SIGTERM (a master waits for its replicas to
	 * catch up first).
	 */
	void stop(int port) throws InterruptedException {
		Process process = this.processes.get(port);
		process.destroy();
		process.waitFor(20, TimeUnit.SECONDS);
	}

	private void start(List<String> command, int port) throws IOException {
		Process process = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(this.dir.resolve("redis-" + port + ".log").toFile())
			.start();
		this.processes.put(port, process);
		await().atMost(Duration.ofSeconds(20)).until(() -> {
			if (!process.isAlive()) {
				throw new IllegalStateException("redis on port " + port + " exited: "
						+ Files.readString(this.dir.resolve("redis-" + port + ".log")));
			}
			try (Socket socket = new Socket()) {
				socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
				return true;
			}
			catch (IOException ex) {
				return false;
			}
		});
	}

	/** A free port whose Cluster bus port (+10000) is free too. */
	private static int freePort() throws IOException {
		for (int attempt = 0; attempt < 100; attempt++) {
			int port = ThreadLocalRandom.current().nextInt(20_000, 55_000);
			if (free(port) && free(port + 10_000)) {
				return port;
			}
		}
		throw new IOException("no free port pair found");
	}

	private static boolean free(int port) {
		try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	@Override
	public void close() throws Exception {
		for (Process process : this.processes.values()) {
			process.destroyForcibly();
		}
		for (Process process : this.processes.values()) {
			process.waitFor(10, TimeUnit.SECONDS);
		}
		try (var paths = Files.walk(this.dir)) {
			paths.sorted(java.util.Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
		}
	}

}
