package dev.stabilis.attack;

/**
 * A sample's empirical explanation stability: the strongest attack found, the noise baseline at the same ε
 * and budget, and the thickness of its top-k ranking.
 *
 * @param attack the configured attack's strongest result
 * @param noise the strongest of as many uniform random points of the box
 * @param thickness R2ET thickness in [0, 1] (NaN when undefined)
 */
public record EmpiricalReport(AttackResult attack, AttackResult noise, double thickness) {}
