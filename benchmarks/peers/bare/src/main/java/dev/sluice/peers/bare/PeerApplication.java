package dev.sluice.peers.bare;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A peer of the Sluice sample app for {@code benchmarks/compare-run.sh}: the same {@code GET /hello}.
 */
@SpringBootApplication
public class PeerApplication {

	public static void main(String[] args) {
		SpringApplication.run(PeerApplication.class, args);
	}

}
