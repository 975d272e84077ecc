package dev.sluice.peers.bucket4j;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cache.annotation.EnableCaching;

/**
 * A peer of the Sluice sample app for {@code benchmarks/compare-run.sh}: the same {@code GET /hello}. Caching is
 * enabled because the bucket4j starter keeps its buckets in a JCache cache (Caffeine here), as its documentation says.
 */
@SpringBootApplication
@EnableCaching
public class PeerApplication {

	public static void main(String[] args) {
		SpringApplication.run(PeerApplication.class, args);
	}

}
