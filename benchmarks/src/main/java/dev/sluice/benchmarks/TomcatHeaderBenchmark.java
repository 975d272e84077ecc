package dev.sluice.benchmarks;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.apache.tomcat.util.buf.MessageBytes;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What Tomcat 11 spends writing one response header that the servlet API set as a
 * {@code String}: at commit, {@code Http11OutputBuffer} turns the name and the value into
 * bytes with {@code MessageBytes.toBytes()}, which builds a new {@code CharsetEncoder}
 * for each. The {@code RateLimit} and {@code RateLimit-Policy} headers are four such
 * strings per request; a header already in bytes costs nothing to convert.
 * <p>
 * {@code java -jar benchmarks/target/benchmarks.jar TomcatHeaderBenchmark -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class TomcatHeaderBenchmark {

	private static final String NAME = "RateLimit";

	private static final String VALUE = "\"hello\";r=999999998";

	private static final byte[] NAME_BYTES = NAME.getBytes(StandardCharsets.ISO_8859_1);

	private static final byte[] VALUE_BYTES = VALUE.getBytes(StandardCharsets.ISO_8859_1);

	private final MessageBytes name = MessageBytes.newInstance();

	private final MessageBytes value = MessageBytes.newInstance();

	/**
	 * A header set with {@code setHeader(String, String)}, as Tomcat converts it when the
	 * response is committed.
	 * @return the bytes written
	 */
	@Benchmark
	public int stringHeader() {
		this.name.setString(NAME);
		this.value.setString(VALUE);
		this.name.toBytes();
		this.value.toBytes();
		return this.name.getByteChunk().getLength() + this.value.getByteChunk().getLength();
	}

	/**
	 * The same header held as bytes: nothing to convert.
	 * @return the bytes written
	 */
	@Benchmark
	public int bytesHeader() {
		this.name.setBytes(NAME_BYTES, 0, NAME_BYTES.length);
		this.value.setBytes(VALUE_BYTES, 0, VALUE_BYTES.length);
		this.name.toBytes();
		this.value.toBytes();
		return this.name.getByteChunk().getLength() + this.value.getByteChunk().getLength();
	}

}
