package dev.sluice.sample;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.sluice.group.Subtask;
import dev.sluice.group.TaskGroup;
import dev.sluice.group.TaskGroups;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.core.ParameterizedTypeReference;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/**
 * A page assembled from two slow downstream services called at once through a task group:
 * it takes as long as the slower call, not the sum, and fails as a whole as soon as
 * either call fails. The two "downstream services" are served by this same application,
 * so the sample is self-contained. With {@code ?budgetMs=200} the group gets a tighter
 * deadline than the request's: both calls are cancelled at 200 ms and the page answers
 * 504.
 */
@RestController
class FanOutController {

	private final TaskGroups taskGroups;

	private final RestClient restClient;

	FanOutController(TaskGroups taskGroups, RestClient.Builder restClientBuilder) {
		this.taskGroups = taskGroups;
		this.restClient = restClientBuilder.build();
	}

	@GetMapping("/page/{id}")
	Map<String, Object> page(@PathVariable String id, @RequestParam(required = false) Long budgetMs,
			HttpServletRequest request) {
		String base = "http://localhost:" + request.getLocalPort();
		long start = System.nanoTime();
		// open() inherits the request's deadline; open(Duration) may only make it tighter
		try (TaskGroup group = (budgetMs != null) ? this.taskGroups.open(Duration.ofMillis(budgetMs))
				: this.taskGroups.open()) {
			Subtask<Map<String, Object>> profile = group.fork(() -> this.restClient.get()
				.uri(base + "/downstream/profiles/{id}", id)
				.retrieve()
				.body(new ParameterizedTypeReference<Map<String, Object>>() {
				}));
			Subtask<List<String>> posts = group.fork(() -> this.restClient.get()
				.uri(base + "/downstream/posts/{id}", id)
				.retrieve()
				.body(new ParameterizedTypeReference<List<String>>() {
				}));
			group.join(); // the first failure (or DeadlineExceededException, answered
							// 504) is thrown here
			return Map.of("profile", profile.get(), "posts", posts.get(), "tookMillis",
					(System.nanoTime() - start) / 1_000_000);
		}
	}

	@GetMapping("/downstream/profiles/{id}")
	Map<String, Object> profile(@PathVariable String id) throws InterruptedException {
		Thread.sleep(300); // a slow profile service
		return Map.of("id", id, "name", "User " + id);
	}

	@GetMapping("/downstream/posts/{id}")
	List<String> posts(@PathVariable String id) throws InterruptedException {
		Thread.sleep(400); // a slower posts service
		return List.of("first post of " + id, "second post of " + id);
	}

}
