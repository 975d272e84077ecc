/**
 * JUnit 5 support for tests of Sluice applications:
 * {@link dev.sluice.test.DetectThreadLeaks}.
 */
@NullMarked
package dev.sluice.test;

import org.jspecify.annotations.NullMarked;
