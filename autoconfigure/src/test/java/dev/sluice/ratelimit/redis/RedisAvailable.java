package dev.sluice.ratelimit.redis;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Assumptions;

/**
 * Redis tests use the Redis on 127.0.0.1:6379. They are skipped with a message when it
 * does not answer, except under {@code CI=true}, where a missing Redis is a failure.
 */
final class RedisAvailable {

	private RedisAvailable() {
	}

	static void require() {
		boolean up;
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", 6379), 1_000);
			socket.setSoTimeout(1_000);
			OutputStream out = socket.getOutputStream();
			out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			byte[] answer = new byte[7];
			int read = in.read(answer);
			up = read > 0 && new String(answer, 0, read, StandardCharsets.US_ASCII).startsWith("+PONG");
		}
		catch (Exception ex) {
			up = false;
		}
		if (!up && "true".equals(System.getenv("CI"))) {
			throw new AssertionError("Redis on 127.0.0.1:6379 does not answer, and CI=true requires it");
		}
		Assumptions.assumeTrue(up, "Redis on 127.0.0.1:6379 does not answer: skipping the Redis store tests");
	}

}
