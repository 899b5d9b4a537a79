package io.kvstore.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;

/** The compare report's plots, drawn with XChart into PNG files (headless). Stateless. */
final class Charts {
  private Charts() {}

  /**
   * Throughput against clients, one line per side: {@code points} maps a side's name to its
   * (clients, requests/s) points in client order.
   */
  static void throughputVsClients(Path png, String title, Map<String, List<double[]>> points)
      throws IOException {
    XYChart chart = new XYChartBuilder().width(800).height(500).title(title)
        .xAxisTitle("clients (requests in flight)").yAxisTitle("requests/s").build();
    chart.getStyler().setXAxisLogarithmic(true);
    chart.getStyler().setMarkerSize(8);
    points.forEach((side, pts) -> {
      if (pts.isEmpty()) {
        return;
      }
      double[] x = pts.stream().mapToDouble(p -> p[0]).toArray();
      double[] y = pts.stream().mapToDouble(p -> p[1]).toArray();
      chart.addSeries(side, x, y).setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    });
    save(chart, png);
  }

  /** Latency CDF, one line per side, from histograms of nanoseconds; log latency axis. */
  static void latencyCdf(Path png, String title, Map<String, Histogram> histograms)
      throws IOException {
    XYChart chart = new XYChartBuilder().width(800).height(500).title(title)
        .xAxisTitle("latency (ms)").yAxisTitle("percentile").build();
    chart.getStyler().setXAxisLogarithmic(true);
    chart.getStyler().setMarkerSize(0);
    histograms.forEach((side, h) -> {
      if (h == null || h.getTotalCount() == 0) {
        return;
      }
      List<Double> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      for (HistogramIterationValue v : h.percentiles(5)) {
        x.add(Math.max(1e-3, v.getValueIteratedTo() / 1e6));
        y.add(v.getPercentileLevelIteratedTo());
      }
      chart.addSeries(side, x, y).setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    });
    save(chart, png);
  }

  private static void save(XYChart chart, Path png) throws IOException {
    Files.createDirectories(png.toAbsolutePath().getParent());
    if (chart.getSeriesMap().isEmpty()) {
      chart.addSeries("no data", new double[] {1}, new double[] {0});
    }
    BitmapEncoder.saveBitmap(chart, png.toString(), BitmapFormat.PNG);
  }
}
