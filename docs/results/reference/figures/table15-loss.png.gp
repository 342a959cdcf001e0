set terminal pngcairo size 1240,420
set termoption noenhanced
set output "docs/results/reference/figures/table15-loss.png"
set multiplot layout 1,2 title "Table 15: training loss"
set xlabel 'step'
set ylabel 'training loss'
set grid
set key top right font ',8'
set title "vector"
plot "docs/results/reference/figures/table15-loss-0161abce2ec3a499.dat" using 1:2 with lines lt 1 dt 1 title "erf(x)", "docs/results/reference/figures/table15-loss-3809378faf0fa335.dat" using 1:2 with lines lt 2 dt 1 title "arctan(x)", "docs/results/reference/figures/table15-loss-4a3fc69d71096b0f.dat" using 1:2 with lines lt 3 dt 1 title "arcsinh_clip(x)"
set title "scalar"
plot "docs/results/reference/figures/table15-loss-6579d61909f325d6.dat" using 1:2 with lines lt 1 dt 1 title "erf(x)", "docs/results/reference/figures/table15-loss-4051230bcc5bf3aa.dat" using 1:2 with lines lt 2 dt 1 title "arctan(x)", "docs/results/reference/figures/table15-loss-0a6aeb077f769078.dat" using 1:2 with lines lt 3 dt 1 title "arcsinh_clip(x)"
unset multiplot
