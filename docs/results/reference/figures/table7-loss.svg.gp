set terminal svg size 720,440 dynamic
set termoption noenhanced
set output "docs/results/reference/figures/table7-loss.svg"
set multiplot layout 1,1 title "Table 7: training loss"
set xlabel 'step'
set ylabel 'training loss'
set grid
set key top right font ',8'
set title "ViT top-1"
plot "docs/results/reference/figures/table7-loss-4d1d14caf0cef162.dat" using 1:2 with lines lt 1 dt 1 title "LayerNorm", "docs/results/reference/figures/table7-loss-6579d61909f325d6.dat" using 1:2 with lines lt 2 dt 1 title "erf(x)", "docs/results/reference/figures/table7-loss-6ffcd15fa6a22214.dat" using 1:2 with lines lt 3 dt 1 title "tanh(x)", "docs/results/reference/figures/table7-loss-b3a29c9a1bb3d2cd.dat" using 1:2 with lines lt 4 dt 1 title "satursin(x)", "docs/results/reference/figures/table7-loss-0a6aeb077f769078.dat" using 1:2 with lines lt 5 dt 1 title "arcsinh_clip(x)", "docs/results/reference/figures/table7-loss-6fe2e8a324179fff.dat" using 1:2 with lines lt 6 dt 1 title "isru(x)", "docs/results/reference/figures/table7-loss-759558d6d5aa044e.dat" using 1:2 with lines lt 7 dt 1 title "exproot(x)"
unset multiplot
