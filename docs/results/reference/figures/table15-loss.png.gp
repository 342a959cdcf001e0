set terminal pngcairo size 900,550
set termoption noenhanced
set output "docs/results/reference/figures/table15-loss.png"
set multiplot layout 1,1 title "Table 15: training loss"
set xlabel 'step'
set ylabel 'training loss'
set grid
set key top right font ',8'
set title "scalar"
plot "docs/results/reference/figures/table15-loss-6579d61909f325d6.dat" using 1:2 with lines lt 1 dt 1 title "erf(x)", "docs/results/reference/figures/table15-loss-4051230bcc5bf3aa.dat" using 1:2 with lines lt 2 dt 1 title "arctan(x)", "docs/results/reference/figures/table15-loss-0a6aeb077f769078.dat" using 1:2 with lines lt 3 dt 1 title "arcsinh_clip(x)"
unset multiplot
