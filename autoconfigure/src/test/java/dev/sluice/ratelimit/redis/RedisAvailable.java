package dev.sluice.ratelimit.redis;

import java.io.IOException;
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
		try {
			up = command("PING").startsWith("+PONG");
		}
		catch (Exception ex) {
			up = false;
		}
		if (!up && "true".equals(System.getenv("CI"))) {
			throw new AssertionError("Redis on 127.0.0.1:6379 does not answer, and CI=true requires it");
		}
		Assumptions.assumeTrue(up, "Redis on 127.0.0.1:6379 does not answer: skipping the Redis store tests");
	}

	/**
	 * Sends one inline command to the Redis on 127.0.0.1:6379 on a connection of its own.
	 * @param inline the command, as {@code redis-cli} would take it
	 * @return a status or error line ({@code +OK}, {@code -ERR ...}) as it came, or the
	 * text of a bulk string answer
	 * @throws IOException if Redis cannot be reached or does not answer within 2 s
	 */
	static String command(String inline) throws IOException {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", 6379), 1_000);
			socket.setSoTimeout(2_000);
			OutputStream out = socket.getOutputStream();
			out.write((inline + "\r\n").getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			StringBuilder line = new StringBuilder();
			for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
				line.append((char) c);
			}
			if (line.isEmpty() || line.charAt(0) != '$') {
				return line.toString(); // +PONG, +OK or -ERR
			}
			// a bulk string: $<length>, then that many bytes
			byte[] body = in.readNBytes(Integer.parseInt(line.substring(1).trim()));
			return new String(body, StandardCharsets.US_ASCII);
		}
	}

}
