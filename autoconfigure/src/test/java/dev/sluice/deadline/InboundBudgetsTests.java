package dev.sluice.deadline;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.sluice.deadline.InboundBudgets.Format;
import dev.sluice.deadline.InboundBudgets.Header;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class InboundBudgetsTests {

	@Test
	void millisecondsAreOneToTwelveDigitsAndNothingElse() {
		assertThat(InboundBudgets.parseMillis("200")).isEqualTo(200_000_000L);
		assertThat(InboundBudgets.parseMillis("0")).isZero();
		assertThat(InboundBudgets.parseMillis("999999999999")).isEqualTo(999_999_999_999_000_000L);
		for (String bad : new String[] { "", "-5", "+5", " 5", "5 ", "abc", "12ms", "3e2", "1.5", "9999999999999",
				"99999999999999999999", "٣" }) {
			assertThat(InboundBudgets.parseMillis(bad)).as(bad).isEqualTo(-1);
		}
	}

	@Test
	void grpcTimeoutsAreOneToEightDigitsAndAUnit() {
		assertThat(InboundBudgets.parseGrpcTimeout("250m")).isEqualTo(250_000_000L);
		assertThat(InboundBudgets.parseGrpcTimeout("2S")).isEqualTo(2_000_000_000L);
		assertThat(InboundBudgets.parseGrpcTimeout("3M")).isEqualTo(180_000_000_000L);
		assertThat(InboundBudgets.parseGrpcTimeout("1H")).isEqualTo(3_600_000_000_000L);
		assertThat(InboundBudgets.parseGrpcTimeout("1500u")).isEqualTo(1_500_000L);
		assertThat(InboundBudgets.parseGrpcTimeout("99999999n")).isEqualTo(99_999_999L);
		assertThat(InboundBudgets.parseGrpcTimeout("0m")).isZero();
		for (String bad : new String[] { "", "m", "250", "250ms", "250 m", "-1m", "+1m", "123456789m", "1.5S", "1s",
				"1h", "1x", "m250", "٣m" }) {
			assertThat(InboundBudgets.parseGrpcTimeout(bad)).as(bad).isEqualTo(-1);
		}
	}

	@Test
	void hugeBudgetsSaturateInsteadOfOverflowing() {
		assertThat(InboundBudgets.parseGrpcTimeout("99999999H")).isEqualTo(InboundBudgets.MAX_BUDGET_NANOS);
		assertThat(InboundBudgets.parseGrpcTimeout("99999999M")).isEqualTo(InboundBudgets.MAX_BUDGET_NANOS);
		assertThat(InboundBudgets.parseGrpcTimeout("99999999S")).isEqualTo(99_999_999_000_000_000L);
		Deadline deadline = Deadline.after(java.time.Duration.ofSeconds(1))
			.shorten(java.time.Duration.ofNanos(InboundBudgets.MAX_BUDGET_NANOS));
		assertThat(deadline.isExpired()).isFalse();
		assertThat(deadline.timeout()).isEqualTo(java.time.Duration.ofSeconds(1));
	}

	@Test
	void entriesNameAHeaderWithAnOptionalFormatAndGrpcTimeoutIsRecognisedByName() {
		assertThat(Header.parse("x-envoy-expected-rq-timeout-ms"))
			.isEqualTo(new Header("x-envoy-expected-rq-timeout-ms", Format.MILLIS));
		assertThat(Header.parse("grpc-timeout")).isEqualTo(new Header("grpc-timeout", Format.GRPC_TIMEOUT));
		assertThat(Header.parse("Grpc-Timeout")).isEqualTo(new Header("Grpc-Timeout", Format.GRPC_TIMEOUT));
		assertThat(Header.parse(" X-Budget : GRPC ")).isEqualTo(new Header("X-Budget", Format.GRPC_TIMEOUT));
		assertThat(Header.parse("grpc-timeout:ms")).isEqualTo(new Header("grpc-timeout", Format.MILLIS));
		for (String bad : new String[] { "", " ", ":grpc", "X-Budget:seconds", "X-Budget:" }) {
			assertThatIllegalArgumentException().as(bad).isThrownBy(() -> Header.parse(bad));
		}
	}

	@Test
	void theSmallestValidBudgetAmongTheHeadersWinsAndInvalidOnesAreSkipped() {
		InboundBudgets budgets = InboundBudgets
			.of(List.of("X-Request-Timeout-Ms", "x-envoy-expected-rq-timeout-ms", "grpc-timeout"));
		assertThat(budgets.budgetNanos(headers(Map.of()))).isEqualTo(-1);
		assertThat(budgets.budgetNanos(headers(Map.of("x-envoy-expected-rq-timeout-ms", "200"))))
			.isEqualTo(200_000_000L);
		assertThat(budgets.budgetNanos(headers(Map.of("grpc-timeout", "250m")))).isEqualTo(250_000_000L);
		assertThat(budgets.budgetNanos(headers(
				Map.of("X-Request-Timeout-Ms", "900", "grpc-timeout", "1S", "x-envoy-expected-rq-timeout-ms", "300"))))
			.isEqualTo(300_000_000L);
		assertThat(budgets.budgetNanos(headers(Map.of("X-Request-Timeout-Ms", "0", "grpc-timeout", "nonsense",
				"x-envoy-expected-rq-timeout-ms", "450"))))
			.isEqualTo(450_000_000L);
		assertThat(budgets.budgetNanos(headers(Map.of("X-Request-Timeout-Ms", "-1", "grpc-timeout", "0n"))))
			.isEqualTo(-1);
		assertThat(InboundBudgets.none().budgetNanos(headers(Map.of("X-Request-Timeout-Ms", "5")))).isEqualTo(-1);
	}

	private static java.util.function.Function<String, String> headers(Map<String, String> values) {
		Map<String, String> caseInsensitive = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
		caseInsensitive.putAll(values);
		return caseInsensitive::get;
	}

}
