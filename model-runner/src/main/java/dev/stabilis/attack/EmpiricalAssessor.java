package dev.stabilis.attack;

import dev.stabilis.engine.DifferentiableModel;
import dev.stabilis.graph.Graph;
import java.util.ArrayList;
import java.util.List;

/** Runs a model's configured attack, its noise baseline and the thickness estimate on batches of samples. */
public final class EmpiricalAssessor implements AutoCloseable {

    private final ExplanationAttack attack;
    private final ExplanationAttack noise;
    private final Thickness thickness;

    /**
     * @param settings the attack (its box, budget and seed also drive the noise baseline and thickness)
     * @param thicknessEndPoints uniform end points per sample for the thickness estimate
     * @param thicknessNodes nodes in t per segment
     */
    public EmpiricalAssessor(Graph graph, DifferentiableModel model, AttackSettings settings, int thicknessEndPoints,
            int thicknessNodes) {
        this.attack = new ExplanationAttack(graph, model.device(), settings);
        this.noise = new ExplanationAttack(graph, model.device(), settings.withMethod(AttackMethod.NOISE));
        this.thickness = new Thickness(model, settings, thicknessEndPoints, thicknessNodes);
    }

    /** One report per sample. */
    public List<EmpiricalReport> assess(float[][] rows) {
        List<AttackResult> attacked = attack.attack(rows);
        List<AttackResult> noisy = noise.attack(rows);
        double[] thick = thickness.measure(rows);
        List<EmpiricalReport> out = new ArrayList<>(rows.length);
        for (int i = 0; i < rows.length; i++) {
            out.add(new EmpiricalReport(attacked.get(i), noisy.get(i), thick[i]));
        }
        return out;
    }

    @Override
    public void close() {
        attack.close();
        noise.close();
    }
}
